# Finds a JDK >= 21 for the Maven wrapper and the `shortlist` launcher; sourced, not run.
# Order: $JAVA_HOME when it is >= 21; else the `java` on PATH when it is >= 21; else the newest
# JDK >= 21 in the usual install folders. Exports JAVA_HOME, or stops with what to install.

shortlist_jdk_major() {
  # Prints the feature version (17, 21, 25, ...) of the JDK at "$1", or nothing.
  _sl_home=$1
  [ -x "$_sl_home/bin/java" ] && [ -x "$_sl_home/bin/javac" ] || return 0
  _sl_ver=""
  if [ -r "$_sl_home/release" ]; then
    _sl_ver=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$_sl_home/release")
  fi
  if [ -z "$_sl_ver" ]; then
    _sl_ver=$("$_sl_home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  fi
  case $_sl_ver in
    1.*) _sl_ver=${_sl_ver#1.} ;;
  esac
  _sl_ver=${_sl_ver%%[.+-]*}
  case $_sl_ver in
    '' | *[!0-9]*) return 0 ;;
  esac
  echo "$_sl_ver"
}

shortlist_find_jdk() {
  _sl_min=21
  if [ -n "${JAVA_HOME-}" ]; then
    _sl_major=$(shortlist_jdk_major "$JAVA_HOME")
    if [ -n "$_sl_major" ] && [ "$_sl_major" -ge "$_sl_min" ]; then
      export JAVA_HOME
      return 0
    fi
    echo "note: JAVA_HOME=$JAVA_HOME is not a JDK $_sl_min+ (version: ${_sl_major:-unknown}); looking for another" >&2
  fi
  if command -v java >/dev/null 2>&1 && command -v readlink >/dev/null 2>&1; then
    _sl_java=$(readlink -f "$(command -v java)" 2>/dev/null || true)
    _sl_home=${_sl_java%/bin/java}
    _sl_major=$(shortlist_jdk_major "$_sl_home")
    if [ -n "$_sl_major" ] && [ "$_sl_major" -ge "$_sl_min" ]; then
      JAVA_HOME=$_sl_home
      export JAVA_HOME
      return 0
    fi
  fi
  _sl_best=""
  _sl_best_major=0
  _sl_noglob=""
  case $- in *f*) _sl_noglob=1; set +f ;; esac
  for _sl_home in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
    "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$_sl_home" ] || continue
    _sl_major=$(shortlist_jdk_major "$_sl_home")
    if [ -n "$_sl_major" ] && [ "$_sl_major" -ge "$_sl_min" ] && [ "$_sl_major" -gt "$_sl_best_major" ]; then
      _sl_best=$_sl_home
      _sl_best_major=$_sl_major
    fi
  done
  [ -z "$_sl_noglob" ] || set -f
  if [ -n "$_sl_best" ]; then
    JAVA_HOME=$_sl_best
    export JAVA_HOME
    return 0
  fi
  cat >&2 <<MSG
error: Shortlist needs a JDK $_sl_min or newer, and none was found.
  Looked at: JAVA_HOME (${JAVA_HOME:-unset}), the java on PATH, /usr/lib/jvm, /usr/java, /opt/java,
  ~/.sdkman and ~/.jdks.
  Install one, then run the command again (or point JAVA_HOME at it). For example:
    - Debian 13 / Ubuntu 24.04:  sudo apt-get install openjdk-21-jdk-headless
    - elsewhere: any JDK 21+ build (Eclipse Temurin, Azul Zulu, Oracle, ...) unpacked under
      /usr/lib/jvm or /opt/java, or installed with SDKMAN! (sdk install java 21-tem).
MSG
  return 1
}
