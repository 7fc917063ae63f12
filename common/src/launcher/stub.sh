#!/bin/sh
# Self-contained launcher: this shell stub is followed by an executable jar. Needs only a JRE 17+.
# JAVA_OPTS adds JVM options; JAVA_HOME picks the JVM (else `java` on PATH).
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" $JAVA_OPTS -jar "$0" "$@"
