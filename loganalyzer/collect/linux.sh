#!/usr/bin/env bash
# Collect what loganalyzer reads to explain a failed Azure VM backup, from a Linux VM (or a
# FreeBSD-based appliance running the same agent), into one archive.
#
#   sudo bash collect-linux.sh [--root DIR] [--output DIR] [--commands|--no-commands]
#
#   --root DIR      the VM's file system root (default /). Point it at a VM's OS disk mounted
#                   on a rescue VM, e.g. --root /rescue; command outputs are then left out
#                   (they would describe the rescue VM) unless --commands is given.
#   --output DIR    where the archive is written (default: the current folder)
#   --commands      run the service, network and disk commands even when --root is not /
#   --no-commands   copy files only
#
# What it gathers (see docs/collect.md for why, per error code): the agent's log, configuration
# and state, the backup extension's logs, settings and status, DHCP leases, firewall and network
# configuration, system logs, and the outputs of a few read-only commands (service state,
# agent and Python versions, addresses, routes, firewall rules, reachability of the wire server
# 168.63.129.16 on ports 80 and 32526, mounts and disks). Each file is cut to its last
# MAX_FILE_KB kilobytes; the whole collection stops growing at MAX_TOTAL_KB.
#
# Secrets are left out at the source: no certificates or private keys (*.crt *.prv *.pem *.p7m
# *.pfx *.key, Certificates*), no ovf-env.xml (it can hold the admin password), and in every text
# copy protected settings, the backup extension's task token, SAS signatures, account keys and
# passwords are replaced by "*** REDACTED ***" before it is written.
#
# The last line printed is the archive's path. Only POSIX tools are used (sh, tar, gzip, sed,
# tail, find); it runs on the major distributions and on FreeBSD.

set -u
umask 077

ROOT=/
OUTPUT=.
COMMANDS=auto
MAX_FILE_KB=${MAX_FILE_KB:-20480}
MAX_TOTAL_KB=${MAX_TOTAL_KB:-204800}
ROTATED_KEEP=${ROTATED_KEEP:-5}
SCRIPT_VERSION=1

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case "$1" in
        --root) ROOT=${2:?--root needs a folder}; shift 2 ;;
        --root=*) ROOT=${1#--root=}; shift ;;
        --output) OUTPUT=${2:?--output needs a folder}; shift 2 ;;
        --output=*) OUTPUT=${1#--output=}; shift ;;
        --commands) COMMANDS=yes; shift ;;
        --no-commands) COMMANDS=no; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

[ -d "$ROOT" ] || { echo "no such folder: $ROOT" >&2; exit 2; }
mkdir -p "$OUTPUT" || { echo "cannot create $OUTPUT" >&2; exit 2; }
ROOT=$(cd "$ROOT" && pwd)
OUTPUT=$(cd "$OUTPUT" && pwd)
if [ "$COMMANDS" = auto ]; then
    if [ "$ROOT" = / ]; then COMMANDS=yes; else COMMANDS=no; fi
fi

HOST=$(hostname 2>/dev/null || uname -n)
HOST=$(printf '%s' "${HOST%%.*}" | tr -c 'A-Za-z0-9_-' '_')
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
NAME="azbackup-logs-${HOST:-vm}-$STAMP"
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/azbackup-collect.XXXXXX") || exit 1
trap 'rm -rf "$STAGE"' EXIT INT TERM
BUNDLE="$STAGE/$NAME"
mkdir -p "$BUNDLE/commands"

note() { printf '%s\n' "$*" >&2; }

staged_kb() { du -sk "$BUNDLE" 2>/dev/null | awk '{print $1}'; }

# Is this a file we must never copy?
is_secret() {
    case "${1##*/}" in
        *.crt|*.prv|*.pem|*.p7m|*.pfx|*.key|*.p12|Certificates*|TransportCert*|ovf-env.xml) return 0 ;;
    esac
    # a private key under any name
    if [ -f "$1" ] && head -c 65536 "$1" 2>/dev/null | grep -q 'PRIVATE KEY-----'; then return 0; fi
    return 1
}

# Mask what must not leave the VM in every text copy: protected settings, the backup
# extension's task token and SAS signatures (also in its public settings and logs), account
# keys and passwords. (sed -E: the extended syntax both GNU and BSD sed read.)
redact() {
    sed -E \
        -e 's/("(protectedSettings|protected_settings|snapshotTaskToken|objectStr|password|adminPassword|AccountKey|blobSASUri|sasUri|sasToken|secret|client_secret|access_token|refresh_token)"[[:space:]]*:[[:space:]]*)"[^"]*"/\1"*** REDACTED ***"/g' \
        -e 's/(&quot;protectedSettings&quot;[[:space:]]*:[[:space:]]*&quot;)[^&]*&quot;/\1*** REDACTED ***\&quot;/g' \
        -e 's/(snapshotTaskToken[[:space:]]*[:=][[:space:]]*)[^"[:space:],}]+/\1*** REDACTED ***/g' \
        -e 's/([?&;[:space:]"'"'"'(]sig=)[^&[:space:]"'"'"'<>;)]+/\1*** REDACTED ***/g' \
        -e 's/(AccountKey=|SharedAccessKey=|SharedAccessSignature=|Password=|Pwd=)[^;[:space:]"'"'"'<>]+/\1*** REDACTED ***/g' \
        -e 's/(<(UserPassword|AdminPassword|CustomData)>)[^<]*(<\/)/\1*** REDACTED ***\3/g'
}

# history/*.zip: unpacked with the agent's own Python (every VM running the agent has one) so
# that the settings copies inside are masked like the rest; left out when there is no Python.
copy_history_zip() {
    py=$(command -v python3 || command -v python || command -v python2) || { note "left out (no python to unpack it): /$1"; return 0; }
    unpacked="$BUNDLE/${1%.zip}"
    mkdir -p "$unpacked"
    if ! "$py" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$ROOT/$1" "$unpacked" 2>/dev/null; then
        rm -rf "$unpacked"
        note "left out (unreadable zip): /$1"
        return 0
    fi
    find "$unpacked" -type f | while IFS= read -r member; do
        if is_secret "$member"; then rm -f "$member"; continue; fi
        redact < "$member" > "$member.tmp" && mv "$member.tmp" "$member"
    done
}

# copy_file PATH_FROM_ROOT: copy one file (its last MAX_FILE_KB kilobytes) into the bundle, masked.
copy_file() {
    rel=${1#/}
    src="$ROOT/$rel"
    [ -f "$src" ] && [ -r "$src" ] || return 0
    [ -L "$src" ] && return 0
    is_secret "$src" && { note "left out (secret): /$rel"; return 0; }
    used=$(staged_kb)
    if [ "${used:-0}" -ge "$MAX_TOTAL_KB" ]; then
        note "left out (collection full): /$rel"
        return 0
    fi
    dest="$BUNDLE/$rel"
    mkdir -p "${dest%/*}"
    size_kb=$(du -k "$src" 2>/dev/null | awk '{print $1}')
    case "$rel" in
        */history/*.zip)
            copy_history_zip "$rel"
            return 0 ;;
        *.gz|*.zip)
            # rotated logs stay compressed (the reader unpacks them and masks at parse time)
            [ "${size_kb:-0}" -le "$MAX_FILE_KB" ] && cp "$src" "$dest"
            return 0 ;;
    esac
    if [ "${size_kb:-0}" -gt "$MAX_FILE_KB" ]; then
        # the newest part, from the first whole line
        tail -c "$((MAX_FILE_KB * 1024))" "$src" | sed '1d' | redact > "$dest"
    else
        redact < "$src" > "$dest"
    fi
}

# copy_glob PATTERN...: copy every file the patterns (relative to the root) name.
copy_glob() {
    for pattern in "$@"; do
        for path in "$ROOT"/$pattern; do
            [ -f "$path" ] && copy_file "${path#"$ROOT"}"
        done
    done
}

# copy_newest N PATTERN: the N most recently changed files the pattern names.
copy_newest() {
    keep=$1; shift
    # shellcheck disable=SC2012
    ls -1t "$ROOT"/$1 2>/dev/null | head -n "$keep" | while IFS= read -r path; do
        copy_file "${path#"$ROOT"}"
    done
}

# --- the agent -------------------------------------------------------------------------------
copy_glob var/log/waagent.log
copy_newest "$ROTATED_KEEP" 'var/log/waagent.log.*'
copy_glob etc/waagent.conf usr/local/etc/waagent.conf

LIB=var/lib/waagent
[ -d "$ROOT/usr/local/$LIB" ] && [ ! -d "$ROOT/$LIB" ] && LIB=usr/local/var/lib/waagent
copy_glob "$LIB/provisioned" "$LIB/disable_agent" "$LIB/Incarnation" "$LIB/Protocol" \
    "$LIB/WireServerEndpoint" "$LIB/waagent_status*.json" "$LIB/HostingEnvironmentConfig.xml" \
    "$LIB/SharedConfig.xml" "$LIB/VmSettings*.json"
copy_newest 3 "$LIB/GoalState.*.xml"
copy_newest 3 "$LIB/ExtensionsConfig.*.xml"
copy_newest 10 "$LIB/history/*.zip"
copy_glob "$LIB/WALinuxAgent-*/error.json"

# --- the extensions: handler state, settings (redacted), status, logs --------------------------
for handler in "$ROOT/$LIB"/*-[0-9]*; do
    [ -d "$handler" ] || continue
    case "${handler##*/}" in WALinuxAgent-*) continue ;; esac
    h=${handler#"$ROOT"/}
    copy_glob "$h/HandlerManifest.json" "$h/HandlerEnvironment.json" "$h/mrseq" \
        "$h/config/HandlerState" "$h/config/HandlerStatus"
    copy_newest 5 "$h/config/*settings"
    copy_newest 5 "$h/status/*status"
done
for logdir in "$ROOT"/var/log/azure/*/; do
    [ -d "$logdir" ] || continue
    d=${logdir#"$ROOT"/}
    d=${d%/}
    copy_glob "$d/*.log" "$d/*/*.log" "$d/events/*.json"
    copy_newest "$ROTATED_KEEP" "$d/*.log.*"
done

# --- VMSnapshotLinux configuration ------------------------------------------------------------
copy_glob etc/azure/vmbackup.conf etc/azure/VMSnapshotScriptPluginConfig.json

# --- DHCP, network and firewall configuration -------------------------------------------------
copy_glob 'var/lib/dhcp/dhclient*.leases' 'var/lib/dhclient/*' 'var/lib/NetworkManager/*.lease*' \
    'var/lib/wicked/lease*' 'run/systemd/netif/leases/*' 'var/db/dhclient.leases.*'
copy_glob etc/sysconfig/iptables 'etc/sysconfig/network-scripts/ifcfg-eth*' \
    'etc/sysconfig/network/ifcfg-eth*' etc/os-release usr/lib/os-release etc/fstab

# --- system logs ------------------------------------------------------------------------------
copy_glob var/log/messages var/log/syslog var/log/kern.log var/log/system.log \
    'var/log/system/*.log'

# --- command outputs (read-only) --------------------------------------------------------------
# run NAME COMMAND...: save what the command prints under commands/NAME.txt, if it exists here.
run() {
    name=$1; shift
    command -v "$1" >/dev/null 2>&1 || return 0
    "$@" > "$BUNDLE/commands/$name.txt" 2>&1 < /dev/null
    lines=$(wc -l < "$BUNDLE/commands/$name.txt")
    if [ "$lines" -gt 20000 ]; then
        tail -n 20000 "$BUNDLE/commands/$name.txt" > "$BUNDLE/commands/$name.tmp"
        mv "$BUNDLE/commands/$name.tmp" "$BUNDLE/commands/$name.txt"
    fi
    [ -s "$BUNDLE/commands/$name.txt" ] || rm -f "$BUNDLE/commands/$name.txt"
}

# probe NAME URL: can this VM open URL? (curl or wget, verbose, bounded to 15 s)
probe() {
    if command -v curl >/dev/null 2>&1; then
        run "$1" curl -sS -v -m 15 -o /dev/null "$2"
    elif command -v wget >/dev/null 2>&1; then
        run "$1" wget -S -O /dev/null -T 15 -t 1 "$2"
    fi
}

if [ "$COMMANDS" = yes ]; then
    # the agent's service is walinuxagent (Debian, Ubuntu) or waagent (the others)
    if command -v systemctl >/dev/null 2>&1; then
        found=
        for unit in walinuxagent waagent; do
            systemctl cat "$unit.service" >/dev/null 2>&1 || continue
            found=$unit
            run "systemctl_status_$unit" systemctl status --no-pager --full -n 50 "$unit.service"
            run "systemctl_is-active_$unit" systemctl is-active "$unit.service"
            run "systemctl_is-enabled_$unit" systemctl is-enabled "$unit.service"
            run "journalctl_$unit" journalctl --no-pager -o short-iso -n 20000 -u "$unit.service" --since '-14d'
        done
        # neither unit exists: keep systemd's own words for it ("Unit ... could not be found.")
        [ -n "$found" ] || run systemctl_status_walinuxagent systemctl status --no-pager walinuxagent.service
    elif command -v service >/dev/null 2>&1; then
        for unit in walinuxagent waagent; do
            run "service_${unit}_status" service "$unit" status
        done
    fi
    run systemctl_list-units systemctl list-units --type=service --all --no-pager
    run systemctl_list-unit-files systemctl list-unit-files --type=service --no-pager
    run journalctl_warnings journalctl --no-pager -o short-iso -n 20000 -p warning --since '-3d'
    run ps ps auxww
    if command -v waagent >/dev/null 2>&1; then
        run waagent_version waagent -version
    else
        run waagent_version WALinuxAgent --version
    fi
    for python in python3 python python2; do
        run "${python}_version" "$python" --version
    done
    if command -v ip >/dev/null 2>&1; then
        run ip_addr ip addr
        run ip_route ip route show table all
    else
        run ifconfig ifconfig -a
        run netstat_rn netstat -rn
    fi
    run iptables-save iptables-save
    run nft_list_ruleset nft list ruleset
    run firewall-cmd_list-all firewall-cmd --list-all
    probe curl_wireserver_80 'http://168.63.129.16/?comp=versions'
    probe curl_hostplugin_32526 'http://168.63.129.16:32526/health'
    run df df -kP
    run mount mount
    run findmnt findmnt -l
    run lsblk lsblk -o NAME,TYPE,SIZE,FSTYPE,MOUNTPOINT
fi

cat > "$BUNDLE/commands/collect_info.txt" <<EOF
collector: loganalyzer collect-script linux $SCRIPT_VERSION
collected_at: $(date -u +%Y-%m-%dT%H:%M:%SZ)
host: $HOST
root: $ROOT
commands: $COMMANDS
EOF

ARCHIVE="$OUTPUT/$NAME.tar.gz"
( cd "$STAGE" && tar -cf - "$NAME" ) | gzip -c > "$ARCHIVE" || { echo "cannot write $ARCHIVE" >&2; exit 1; }
echo "$ARCHIVE"
