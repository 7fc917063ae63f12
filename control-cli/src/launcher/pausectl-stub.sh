#!/bin/sh
# pausectl's self-contained launcher: this shell stub is followed by an executable jar. Needs only a
# JRE 17+. JAVA_OPTS adds JVM options; JAVA_HOME picks the JVM (else `java` on PATH).
#
# Start-up is most of a call's cost (issue 12 item 7), so: C1 only, compile thresholds ten times the
# default (a short call otherwise spent about a third of its CPU compiling some 700 methods it then ran
# a few times), no perf-data file, G1 (the one collector with which JDK 17 maps the heap objects and
# the module graph its own archive holds, instead of building them at every start: 0.11 -> 0.09 s of
# CPU for a status call in bench/RESULTS.md), and the class-data-sharing archive "$0.jsa" of the
# classes a call loads, mapped instead of loading and verifying them again. The build makes the
# archive next to the launcher; after copying pausectl elsewhere, make it there with
#   PAUSECTL_CDS=dump /usr/local/bin/pausectl
# The JVM checks the archive against this very file and quietly does without one that does not
# match (another build, another copy), so a stale archive costs speed, never correctness.
case $0 in
  */*) self=$0 ;;
  *) self=$(command -v -- "$0") ;;
esac
# One spelling of this file's path whatever the call's (./pausectl, bin/../pausectl, the absolute
# path): the JVM maps the archive only for the class path it was made with, string for string.
self=$(cd -P -- "${self%/*}" && pwd -P)/${self##*/}
jvm="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# The main class named here rather than `-jar`, which opens the jar to read its manifest, reading its
# central directory (thousands of entries): a call whose classes all come from the archive never opens it.
main=@MAIN_CLASS@
fast="-XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -XX:+UseG1GC -XX:-UsePerfData"
if [ "${PAUSECTL_CDS:-}" = dump ]; then
  rm -f "$self.jsa"
  # Calls that load what a usual one does (parse, ask a target, read its JSON answer, print): status,
  # pause and resume, in text and JSON, against a stand-in admin API the JVM starts on loopback (see
  # CdsTraining).
  PAUSECTL_CDS_TRAINING=1 "$jvm" $fast -XX:ArchiveClassesAtExit="$self.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off \
    $JAVA_OPTS -cp "$self" $main >/dev/null 2>&1
  if [ -s "$self.jsa" ]; then
    echo "pausectl: wrote $self.jsa"
    exit 0
  fi
  echo "pausectl: could not write $self.jsa" >&2
  exit 1
fi
cds=
if [ -r "$self.jsa" ] && [ "${PAUSECTL_CDS:-}" != off ]; then
  cds="-XX:SharedArchiveFile=$self.jsa -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"
fi
exec "$jvm" $fast $cds $JAVA_OPTS -cp "$self" $main "$@"
