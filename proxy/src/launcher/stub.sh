#!/bin/sh
# Self-contained launcher: this shell stub is followed by an executable jar. Needs a JRE 17.0.11+
# (-XX:TrimNativeHeapInterval, a default below, is a product option from 17.0.11 on).
# JAVA_OPTS adds JVM options; JAVA_HOME picks the JVM (else `java` on PATH). The defaults below
# (io/pausectl/proxy/launch/jvm.options) suit a sidecar; an option of the same kind in JAVA_OPTS
# replaces its default (a collector, -Xmx or -XX:MaxRAMPercentage, -Xms, -Xmn, -XX:Name=value).
set -f
defaults=
for opt in @JVM_OPTIONS@; do
  case "$opt" in
    -XX:+Use*GC) kinds='-XX:+Use*GC' ;;
    -Xmx*) kinds='-Xmx* -XX:MaxHeapSize=* -XX:MaxRAM=* -XX:MaxRAMPercentage=*' ;;
    -Xms*) kinds='-Xms* -XX:InitialHeapSize=* -XX:InitialRAMPercentage=*' ;;
    -Xmn*) kinds='-Xmn* -XX:NewSize=* -XX:MaxNewSize=* -XX:NewRatio=*' ;;
    -Xss*) kinds='-Xss* -XX:ThreadStackSize=*' ;;
    -XX:*=*) kinds="${opt%%=*}=*" ;;
    *) kinds="$opt" ;;
  esac
  keep=1
  for given in $JAVA_OPTS; do
    for kind in $kinds; do
      case "$given" in $kind) keep= ;; esac
    done
  done
  [ -n "$keep" ] && defaults="$defaults $opt"
done
set +f
# glibc gives every thread that allocates its own malloc arena; two are plenty for a few threads.
MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export MALLOC_ARENA_MAX
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" $defaults $JAVA_OPTS -jar "$0" "$@"
