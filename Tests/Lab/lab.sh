#!/usr/bin/env bash
# cleartext real-server lab: real dovecot / postfix / vsftpd servers inside two private network
# namespaces, real clients driven through scripted scenarios, one tcpdump capture per scenario plus
# a ground-truth JSON file. See Tests/Lab/README.md.
#
#   lab.sh up              install what is missing, create namespaces, write configs, start servers
#   lab.sh record OUTDIR [SCENARIO...]   capture every (or the named) scenario into OUTDIR
#   lab.sh down            stop every lab process by PID, delete the namespaces and the state dir
#   lab.sh all OUTDIR      up + record + down (down always runs)
#   lab.sh list            list the scenarios
#   lab.sh rate OUTDIR     (CTLAB_CLEARTEXT set) the highest replay rate cleartext live takes without a drop
#   lab.sh soak OUTDIR     (CTLAB_CLEARTEXT set) minutes of replay under one cleartext live; memory must stay flat
#
# With CTLAB_CLEARTEXT=/path/to/cleartext, `all` also proves live capture: `cleartext live` runs on the
# server's interface through every scenario (OUTDIR/live/: its JSON Lines, its --write capture, its stderr),
# then a load case replays a generated capture (OUTDIR/load/) into the namespaces with tcpreplay at
# CTLAB_LOAD_MBPS (default 200) Mbit/s under a second `cleartext live`. Tests/EndToEnd/live_truth.py checks both.
#
# Traffic only ever flows inside the namespaces ctlab-srv and ctlab-cli (a veth pair between them,
# no default route, nothing bridged to the host). Nothing listens in the root namespace.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=${CTLAB_DIR:-/tmp/ctlab}           # all configs, certs, spools, logs, pids (deleted by down)
NS_SRV=ctlab-srv
NS_CLI=ctlab-cli
VETH_SRV=ctlab-s0
VETH_CLI=ctlab-c0
SRV4=198.18.0.1
CLI4=198.18.0.2
SRV6=2001:db8:18::1
CLI6=2001:db8:18::2
LAB_USER=labuser
LAB_PASS='Lab-Pass.2024'
LAB_GECOS='cleartext lab user'
WAIT_SECS=${CTLAB_WAIT:-20}
MAX_PCAP=${CTLAB_MAX_PCAP:-51200}

if [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3; else PY=$(command -v python3 || echo python3); fi
CLIENTS="$HERE/clients.py"

export CTLAB_SRV4=$SRV4 CTLAB_CLI4=$CLI4 CTLAB_SRV6=$SRV6 CTLAB_CLI6=$CLI6
export CTLAB_USER=$LAB_USER CTLAB_PASS=$LAB_PASS

# ---------------------------------------------------------------------------------------------- util
now()  { date +%s%N; }
ms_since() { echo $(( ($(now) - $1) / 1000000 )); }
T_START=$(now)
log()  { printf '[lab %6d ms] %s\n' "$(ms_since "$T_START")" "$*" >&2; }
die()  { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }

# step NAME CMD...: run a step and print its duration
step() {
    local name=$1; shift
    local t0; t0=$(now)
    "$@"
    printf '[lab] step %-22s %6d ms\n' "$name" "$(ms_since "$t0")" >&2
}

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, servers on ports < 1024)"; }

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }
in_srv() { ip netns exec "$NS_SRV" "$@"; }
in_cli() { ip netns exec "$NS_CLI" "$@"; }

# Background servers are started with a direct `ip netns exec ... &` (never through a shell function,
# which would fork a subshell): ip netns exec execs the server, so $! is the server's own PID.
# tcpdump is stopped with SIGTERM (same clean flush as SIGINT; bash makes background jobs ignore SIGINT).
# Register a PID we started so that down/trap can stop it.
remember_pid() { mkdir -p "$LAB_DIR/pids"; echo "$2" >"$LAB_DIR/pids/$1.pid"; }

alive() { # a zombie (exited, not yet reaped by its new parent) counts as stopped
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z && $st != X ]]
}

stop_pids() { # stop_pids SIGNAL PID... : signal all, wait up to 5 s for all, then SIGKILL the rest
    local sig=$1 pid i left; shift
    for pid in "$@"; do [[ -n $pid ]] && alive "$pid" && kill -"$sig" "$pid" 2>/dev/null; done
    for i in $(seq 1 50); do
        left=0
        for pid in "$@"; do [[ -n $pid ]] && alive "$pid" && left=1; done
        [[ $left == 0 ]] && return 0
        sleep 0.1
    done
    for pid in "$@"; do
        if [[ -n $pid ]] && alive "$pid"; then
            echo "[lab] pid $pid ($(tr '\0' ' ' </proc/$pid/cmdline 2>/dev/null)) ignored SIG$sig, sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
    done
    return 0
}
stop_pid() { stop_pids "$3" "$1"; }  # stop_pid PID NAME SIGNAL

# ------------------------------------------------------------------------------------------ packages
install_packages() {
    local missing=() p
    for p in dovecot-imapd dovecot-pop3d postfix vsftpd openssl swaks curl tcpdump tcpreplay iproute2 python3; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
    # Keep the packages' own services from starting in the root namespace while installing.
    local made_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
    fi
    local rc=0
    apt-get install -y -q --no-install-recommends "${missing[@]}" >"${TMPDIR:-/tmp}/ctlab-apt.log" 2>&1 || {
        apt-get update -q >>"${TMPDIR:-/tmp}/ctlab-apt.log" 2>&1 || true
        apt-get install -y -q --no-install-recommends "${missing[@]}" >>"${TMPDIR:-/tmp}/ctlab-apt.log" 2>&1 || rc=$?
    }
    [[ $made_policy -eq 1 ]] && rm -f /usr/sbin/policy-rc.d
    [[ $rc -eq 0 ]] || { tail -20 "${TMPDIR:-/tmp}/ctlab-apt.log" >&2; die "apt-get install failed"; }
}

# The lab's login user (FTP needs a real account: vsftpd authenticates local users through PAM).
ensure_user() {
    if ! id "$LAB_USER" >/dev/null 2>&1; then
        # /bin/sh because Debian's vsftpd PAM stack requires a shell listed in /etc/shells.
        useradd --system --no-create-home --home-dir "$LAB_DIR/ftp/home" --shell /bin/sh \
            --comment "$LAB_GECOS" "$LAB_USER"
    fi
    # vsftpd changes into the home directory before local_root: point it into the lab dir
    [[ $(getent passwd "$LAB_USER" | cut -d: -f6) == "$LAB_DIR/ftp/home" ]] || usermod -d "$LAB_DIR/ftp/home" "$LAB_USER"
    echo "$LAB_USER:$LAB_PASS" | chpasswd
}

# ---------------------------------------------------------------------------------------- namespaces
make_namespaces() {
    ip netns add "$NS_SRV"
    ip netns add "$NS_CLI"
    ip link add "$VETH_SRV" netns "$NS_SRV" type veth peer name "$VETH_CLI" netns "$NS_CLI"
    local ns dev a4 a6
    for ns in "$NS_SRV" "$NS_CLI"; do
        if [[ $ns == "$NS_SRV" ]]; then dev=$VETH_SRV a4=$SRV4 a6=$SRV6; else dev=$VETH_CLI a4=$CLI4 a6=$CLI6; fi
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "$a4/24" dev "$dev"
        ip -n "$ns" -6 addr add "$a6/64" dev "$dev" nodad 2>/dev/null || true
        # no TSO/GSO so that captured segments look like what a real NIC puts on the wire
        ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off >/dev/null 2>&1 || true
        ip -n "$ns" link set "$dev" up
    done
}

# ------------------------------------------------------------------------------------------- configs
write_cert() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=mail.lab.test \
        -addext 'subjectAltName=DNS:mail.lab.test,DNS:ftp.lab.test,IP:198.18.0.1' \
        -keyout "$LAB_DIR/tls/key.pem" -out "$LAB_DIR/tls/cert.pem" >/dev/null 2>&1
    chmod 600 "$LAB_DIR/tls/key.pem"
    if [[ -s /usr/share/dovecot/dh.pem ]]; then cp /usr/share/dovecot/dh.pem "$LAB_DIR/tls/dh.pem"
    else openssl dhparam -dsaparam -out "$LAB_DIR/tls/dh.pem" 2048 >/dev/null 2>&1; fi
}

# write_dovecot NAME SSL(yes|no) DISABLE_PLAINTEXT(yes|no) IMAP_PORT POP3_PORT [IMAPS_PORT POP3S_PORT]
write_dovecot() {
    local name=$1 ssl=$2 noplain=$3 imap=$4 pop3=$5 imaps=${6:-} pop3s=${7:-}
    local d="$LAB_DIR/dovecot-$name"
    mkdir -p "$d/run" "$d/state"
    {
        cat <<EOF
# cleartext lab dovecot instance '$name' (generated by lab.sh)
instance_name = ctlab-$name
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
protocols = imap pop3
listen = $SRV4, $SRV6
default_internal_user = dovecot
default_login_user = dovenull
hostname = mail.lab.test
login_greeting = Dovecot lab ($name) ready.
disable_plaintext_auth = $noplain
auth_mechanisms = plain login cram-md5 apop
auth_failure_delay = 0
auth_verbose = yes
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $LAB_DIR/dovecot-users
}
userdb {
  driver = static
  args = uid=$LAB_USER gid=$LAB_USER home=$LAB_DIR/mail/%u
}
mail_location = maildir:~/Maildir
first_valid_uid = 100
pop3_uidl_format = %08Xu%08Xv
ssl = $ssl
EOF
        if [[ $ssl == yes ]]; then cat <<EOF
ssl_cert = <$LAB_DIR/tls/cert.pem
ssl_key = <$LAB_DIR/tls/key.pem
ssl_dh = <$LAB_DIR/tls/dh.pem
ssl_min_protocol = TLSv1
ssl_cipher_list = DEFAULT:@SECLEVEL=0
EOF
        fi
        local sp p plain secure
        for sp in "imap:$imap:$imaps" "pop3:$pop3:$pop3s"; do
            IFS=: read -r p plain secure <<<"$sp"
            printf 'service %s-login {\n  inet_listener %s {\n    port = %s\n  }\n' "$p" "$p" "$plain"
            printf '  inet_listener %ss {\n    port = %s\n' "$p" "${secure:-0}"
            [[ -n $secure ]] && printf '    ssl = yes\n'
            printf '  }\n}\n'
        done
        # no auth penalty (anvil delays logins from an IP after failures): keeps the run fast
        printf 'service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}\n'
        if [[ $name == main ]]; then cat <<EOF
service auth {
  unix_listener $LAB_DIR/dovecot-main/run/auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
        fi
    } >"$d/dovecot.conf"
}

write_postfix() {
    local d="$LAB_DIR/postfix"
    mkdir -p "$d/etc" "$d/spool" "$d/data"
    chown postfix: "$d/data"
    cat >"$d/etc/main.cf" <<EOF
# cleartext lab postfix instance (generated by lab.sh)
compatibility_level = 3.6
queue_directory = $d/spool
data_directory = $d/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $d/postfix.log
maillog_file_prefixes = $d
myhostname = mail.lab.test
mydomain = lab.test
myorigin = \$myhostname
mydestination =
relayhost =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
biff = no
inet_interfaces = $SRV4, [$SRV6]
inet_protocols = all
smtpd_banner = \$myhostname ESMTP Postfix (lab)
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 100
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_tls_cert_file = $LAB_DIR/tls/cert.pem
smtpd_tls_key_file = $LAB_DIR/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = no
smtpd_tls_protocols = >=TLSv1
smtpd_tls_mandatory_protocols = >=TLSv1
smtpd_tls_ciphers = medium
smtpd_tls_mandatory_ciphers = medium
tls_high_cipherlist = DEFAULT:@SECLEVEL=0
tls_medium_cipherlist = DEFAULT:@SECLEVEL=0
smtpd_tls_session_cache_database =
smtpd_sasl_type = dovecot
smtpd_sasl_path = $LAB_DIR/dovecot-main/run/auth-postfix
smtpd_sasl_auth_enable = yes
smtpd_sasl_security_options = noanonymous
EOF
    # chroot column (5th) is n everywhere: the daemons read the lab's absolute paths.
    cat >"$d/etc/master.cf" <<'EOF'
# service  type  private unpriv chroot wakeup maxproc command
25         inet  n       -      n      -      -       smtpd
587        inet  n       -      n      -      -       smtpd
  -o syslog_name=postfix/submission
465        inet  n       -      n      -      -       smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
2525       inet  n       -      n      -      -       smtpd
  -o syslog_name=postfix/notls
  -o smtpd_tls_security_level=none
pickup     unix  n       -      n      60     1       pickup
cleanup    unix  n       -      n      -      0       cleanup
qmgr       unix  n       -      n      300    1       qmgr
tlsmgr     unix  -       -      n      1000?  1       tlsmgr
rewrite    unix  -       -      n      -      -       trivial-rewrite
bounce     unix  -       -      n      -      0       bounce
defer      unix  -       -      n      -      0       bounce
trace      unix  -       -      n      -      0       bounce
verify     unix  -       -      n      -      1       verify
flush      unix  n       -      n      1000?  0       flush
proxymap   unix  -       -      n      -      -       proxymap
proxywrite unix  -       -      n      -      1       proxymap
smtp       unix  -       -      n      -      -       smtp
relay      unix  -       -      n      -      -       smtp
showq      unix  n       -      n      -      -       showq
error      unix  -       -      n      -      -       error
retry      unix  -       -      n      -      -       error
discard    unix  -       -      n      -      -       discard
local      unix  -       n      n      -      -       local
virtual    unix  -       n      n      -      -       virtual
lmtp       unix  -       -      n      -      -       lmtp
anvil      unix  -       -      n      -      1       anvil
scache     unix  -       -      n      -      1       scache
postlog    unix-dgram n  -      n      -      1       postlogd
EOF
}

# write_vsftpd NAME PORT IMPLICIT(YES|NO) PASV_MIN PASV_MAX [SSL(YES|NO)]
write_vsftpd() {
    local name=$1 port=$2 implicit=$3 pmin=$4 pmax=$5 ssl=${6:-YES}
    local d="$LAB_DIR/ftp"
    cat >"$d/vsftpd-$name.conf" <<EOF
# cleartext lab vsftpd instance '$name' (generated by lab.sh)
listen=YES
listen_ipv6=NO
listen_address=$SRV4
listen_port=$port
background=NO
ftpd_banner=vsftpd lab ($name) ready.
anonymous_enable=YES
anon_root=$d/anon
no_anon_password=NO
anon_upload_enable=NO
anon_mkdir_write_enable=NO
local_enable=YES
local_root=$d/home
write_enable=NO
chroot_local_user=NO
pam_service_name=vsftpd
userlist_enable=NO
secure_chroot_dir=$d/empty
nopriv_user=nobody
ftp_username=ftp
hide_ids=YES
pasv_enable=YES
pasv_address=$SRV4
pasv_min_port=$pmin
pasv_max_port=$pmax
port_enable=YES
connect_from_port_20=NO
delay_failed_login=0
delay_successful_login=0
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
vsftpd_log_file=$d/vsftpd-$name.log
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
ssl_enable=$ssl
implicit_ssl=$implicit
rsa_cert_file=$LAB_DIR/tls/cert.pem
rsa_private_key_file=$LAB_DIR/tls/key.pem
allow_anon_ssl=YES
force_local_logins_ssl=NO
force_local_data_ssl=NO
force_anon_logins_ssl=NO
force_anon_data_ssl=NO
require_ssl_reuse=NO
require_cert=NO
ssl_ciphers=HIGH
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=YES
EOF
}

write_configs() {
    mkdir -p "$LAB_DIR"/{tls,pids,logs,mail,ftp}
    chmod 755 "$LAB_DIR"                # postfix and dovecot's unprivileged processes traverse it
    write_cert
    printf '%s:{PLAIN}%s\n' "$LAB_USER" "$LAB_PASS" >"$LAB_DIR/dovecot-users"
    chmod 644 "$LAB_DIR/dovecot-users"
    # one small message so that POP3 STAT/LIST and IMAP SELECT have something to show
    local md="$LAB_DIR/mail/$LAB_USER/Maildir"
    mkdir -p "$md"/{cur,new,tmp}
    printf 'From: lab@lab.test\r\nTo: labuser@lab.test\r\nSubject: lab\r\n\r\nhello from the lab\r\n' \
        >"$md/new/1700000000.M1P1.mail.lab.test"
    chown -R "$LAB_USER:" "$LAB_DIR/mail/$LAB_USER"
    write_dovecot main   yes no  143  110  993 995
    write_dovecot notls  no  no  1143 1110
    write_dovecot strict yes yes 2143 2110
    write_postfix
    mkdir -p "$LAB_DIR/ftp"/{anon,home,empty}
    echo "anonymous lab file" >"$LAB_DIR/ftp/anon/readme.txt"
    echo "labuser lab file: hello" >"$LAB_DIR/ftp/home/hello.txt"
    echo "second file" >"$LAB_DIR/ftp/home/notes.txt"
    chmod 755 "$LAB_DIR/ftp" "$LAB_DIR/ftp"/{anon,home,empty}
    write_vsftpd explicit 21  NO  40000 40049
    write_vsftpd implicit 990 YES 40050 40099
    write_vsftpd notls    2121 NO 40100 40149 NO
}

# --------------------------------------------------------------------------------------------- start
start_servers() {
    local n
    for n in main notls strict; do
        # own UTS namespace with hostname mail.lab.test: dovecot puts the host name into the APOP and
        # CRAM-MD5 challenges. unshare and sh exec, so $! is still dovecot's PID.
        ip netns exec "$NS_SRV" unshare --uts sh -c \
            'hostname mail.lab.test && exec dovecot -F -c "$1"' sh "$LAB_DIR/dovecot-$n/dovecot.conf" \
            </dev/null >"$LAB_DIR/logs/dovecot-$n.out" 2>&1 &
        remember_pid "dovecot-$n" $!
    done
    # postfix needs dovecot's auth socket only when a client authenticates; start it right away.
    local pf="$LAB_DIR/postfix"
    in_srv postfix -c "$pf/etc" check >"$LAB_DIR/logs/postfix-check.out" 2>&1 \
        || { cat "$LAB_DIR/logs/postfix-check.out" >&2; die "postfix check failed"; }
    in_srv postfix -c "$pf/etc" start >"$LAB_DIR/logs/postfix-start.out" 2>&1 \
        || { cat "$LAB_DIR/logs/postfix-start.out" >&2; tail -20 "$pf/postfix.log" >&2 2>/dev/null; die "postfix start failed"; }
    local i
    for i in $(seq 1 50); do [[ -s $pf/spool/pid/master.pid ]] && break; sleep 0.1; done
    [[ -s $pf/spool/pid/master.pid ]] || die "postfix master.pid did not appear"
    remember_pid postfix "$(tr -d ' \n' <"$pf/spool/pid/master.pid")"
    for n in explicit implicit notls; do
        # vsftpd prints its startup errors ("500 OOPS") on file descriptor 0
        ip netns exec "$NS_SRV" vsftpd "$LAB_DIR/ftp/vsftpd-$n.conf" 0<>"$LAB_DIR/logs/vsftpd-$n.out" >&0 2>&0 &
        remember_pid "vsftpd-$n" $!
    done
}

server_log_tail() {
    set +e
    case $1 in
        dovecot-*) tail -15 "$LAB_DIR/$1/dovecot.log" 2>/dev/null; tail -5 "$LAB_DIR/logs/$1.out" 2>/dev/null ;;
        postfix)   tail -15 "$LAB_DIR/postfix/postfix.log" 2>/dev/null ;;
        vsftpd-*)  tail -5 "$LAB_DIR/logs/$1.out" 2>/dev/null; tail -10 "$LAB_DIR/ftp/$1.log" 2>/dev/null ;;
    esac
}

# wait until every server's ports are listening (inside the server namespace); bounded
wait_ports() {
    local spec server ports port deadline
    deadline=$(( $(date +%s) + WAIT_SECS ))
    for spec in "dovecot-main:143 993 110 995" "dovecot-notls:1143 1110" "dovecot-strict:2143 2110" \
                "postfix:25 587 465 2525" "vsftpd-explicit:21" "vsftpd-implicit:990" "vsftpd-notls:2121"; do
        server=${spec%%:*}; ports=${spec#*:}
        for port in $ports; do
            until in_srv ss -Hltn "sport = :$port" 2>/dev/null | grep -q LISTEN; do
                local pid; pid=$(cat "$LAB_DIR/pids/$server.pid" 2>/dev/null || true)
                if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
                    echo "[lab] $server exited; log tail:" >&2; server_log_tail "$server" >&2
                    die "$server died before listening on port $port"
                fi
                if (( $(date +%s) >= deadline )); then
                    echo "[lab] $server log tail:" >&2; server_log_tail "$server" >&2
                    die "$server is not listening on $SRV4 port $port after ${WAIT_SECS}s"
                fi
                sleep 0.1
            done
        done
    done
    # and a real connection from the client namespace to one port of each server
    for port in 143 25 21; do
        in_cli timeout 3 bash -c "exec 3<>/dev/tcp/$SRV4/$port" 2>/dev/null \
            || die "cannot connect from $NS_CLI to $SRV4:$port"
    done
    # nothing of ours may listen in the root namespace
    if ss -Hltn 2>/dev/null | grep -E "($SRV4|\[$SRV6\]):" >/dev/null; then die "a lab socket leaked into the root namespace"; fi
}

cmd_up() {
    need_root
    if ns_exists "$NS_SRV" || ns_exists "$NS_CLI" || [[ -d $LAB_DIR ]]; then
        log "stale lab state found; tearing it down first"; cmd_down
    fi
    DOWN_ON_EXIT=1                      # a failed up leaves nothing behind
    step install-packages install_packages
    step ensure-user ensure_user
    step namespaces make_namespaces
    step configs write_configs
    step start-servers start_servers
    step wait-ports wait_ports
    DOWN_ON_EXIT=$KEEP_DOWN_ON_EXIT
    log "lab is up: servers on $SRV4 / $SRV6 in netns $NS_SRV, clients in netns $NS_CLI"
}

# -------------------------------------------------------------------------------------------- record
stop_tcpdump() { [[ -n $TCPDUMP_PID ]] && stop_pid "$TCPDUMP_PID" tcpdump TERM; TCPDUMP_PID=; rm -f "$LAB_DIR/pids/tcpdump.pid"; }

# a failed scenario leaves no truth file, and its capture is kept as NAME.pcap.failed for debugging
scenario_failed() { rm -f "$1/$2.truth.json"; [[ -e $1/$2.pcap ]] && mv -f "$1/$2.pcap" "$1/$2.pcap.failed"; return 0; }

record_one() { # record_one OUTDIR NAME -> 0 ok, 1 failed
    local out=$1 name=$2 t0 i rc=0 err
    err="$LAB_DIR/logs/tcpdump-$name.err"
    t0=$(now)
    rm -f "$out/$name.pcap" "$out/$name.truth.json" "$out/$name.pcap.failed"
    ip netns exec "$NS_SRV" tcpdump -Z root -n --immediate-mode -i "$VETH_SRV" -U -s 0 -w "$out/$name.pcap" tcp 2>"$err" &
    TCPDUMP_PID=$!; remember_pid tcpdump "$TCPDUMP_PID"
    for i in $(seq 1 100); do grep -q 'listening on' "$err" 2>/dev/null && break
        kill -0 "$TCPDUMP_PID" 2>/dev/null || break; sleep 0.05; done
    grep -q 'listening on' "$err" || { cat "$err" >&2; stop_tcpdump; echo "tcpdump did not start"; return 1; }
    in_cli timeout 60 "$PY" "$CLIENTS" run "$name" "$out/$name.truth.json" >"$LAB_DIR/logs/client-$name.log" 2>&1 || rc=$?
    sleep 0.3                                   # let the last FIN/ACKs reach the capture
    stop_tcpdump
    if [[ $rc -ne 0 ]]; then
        echo "[lab] client output for $name:" >&2; sed 's/^/    /' "$LAB_DIR/logs/client-$name.log" >&2
        printf '[lab]   %-32s FAILED (client exit %d) %6d ms\n' "$name" "$rc" "$(ms_since "$t0")" >&2
        scenario_failed "$out" "$name"; return 1
    fi
    if ! "$PY" "$CLIENTS" finish "$out/$name.truth.json" "$out/$name.pcap" >>"$LAB_DIR/logs/client-$name.log" 2>&1; then
        tail -n 3 "$LAB_DIR/logs/client-$name.log" | sed 's/^/    /' >&2
        printf '[lab]   %-32s FAILED (truth does not match the capture)\n' "$name" >&2
        scenario_failed "$out" "$name"; return 1
    fi
    local size; size=$(stat -c %s "$out/$name.pcap")
    if (( size <= 24 )); then printf '[lab]   %-32s FAILED (empty capture)\n' "$name" >&2; scenario_failed "$out" "$name"; return 1; fi
    if (( size > MAX_PCAP )); then printf '[lab]   %-32s FAILED (capture %d B > %d B)\n' "$name" "$size" "$MAX_PCAP" >&2; scenario_failed "$out" "$name"; return 1; fi
    printf '[lab]   %-32s ok %6d B %6d ms\n' "$name" "$size" "$(ms_since "$t0")" >&2
}

cmd_record() {
    need_root
    local out=${1:-}; [[ -n $out ]] || die "usage: lab.sh record OUTDIR [SCENARIO...]"
    shift
    ns_exists "$NS_SRV" && ns_exists "$NS_CLI" || die "the lab is not up (run: lab.sh up)"
    mkdir -p "$out"; out=$(cd "$out" && pwd)
    local names=("$@") t0 failed=() n
    local known; known=$("$PY" "$CLIENTS" list) || die "cannot list the scenarios ($CLIENTS)"
    if [[ ${#names[@]} -eq 0 ]]; then mapfile -t names <<<"$known"; fi
    for n in "${names[@]}"; do grep -qx -- "$n" <<<"$known" || die "unknown scenario '$n' (see: lab.sh list)"; done
    t0=$(now)
    log "recording ${#names[@]} scenarios into $out"
    for n in "${names[@]}"; do record_one "$out" "$n" || failed+=("$n"); done
    local total; total=$(du -cb "$out"/*.pcap "$out"/*.truth.json 2>/dev/null | tail -1 | cut -f1)
    printf '[lab] step %-22s %6d ms (%d scenarios, %s bytes in %s)\n' record "$(ms_since "$t0")" "${#names[@]}" "$total" "$out" >&2
    if [[ ${#failed[@]} -gt 0 ]]; then
        die "${#failed[@]} scenario(s) failed: ${failed[*]} (logs in $LAB_DIR/logs)"
    fi
}

# ------------------------------------------------------------------------------------------- live
CLEARTEXT=${CTLAB_CLEARTEXT:-}
SHARED_TOOLS=${CTLAB_SHARED_TOOLS:-$HERE/../../../shared/tools}
LOAD_BYTES=${CTLAB_LOAD_BYTES:-64M}
LOAD_MBPS=${CTLAB_LOAD_MBPS:-200}
LIVE_PID=

# live_start DIR [ARGS...]: cleartext live on the server's interface, as root dropping to nobody, writing
# DIR/live.jsonl (and whatever ARGS ask); returns once it says it is capturing.
live_start() {
    local dir=$1 i; shift
    mkdir -p "$dir"; chmod 700 "$dir"
    ip netns exec "$NS_SRV" "$CLEARTEXT" live -i "$VETH_SRV" --format jsonl -o "$dir/live.jsonl" "$@" \
        </dev/null 2>"$dir/live.err" &
    LIVE_PID=$!; remember_pid cleartext-live "$LIVE_PID"
    for i in $(seq 1 100); do grep -q 'capturing on' "$dir/live.err" 2>/dev/null && break
        alive "$LIVE_PID" || break; sleep 0.05; done
    grep -q 'capturing on' "$dir/live.err" || { cat "$dir/live.err" >&2; die "cleartext live did not start"; }
    log "cleartext live (pid $LIVE_PID) capturing on $VETH_SRV into $dir"
}

# live_stop DIR: SIGINT, as a person would; its exit status goes to DIR/live.rc
live_stop() {
    local dir=$1 rc=0 i
    [[ -n $LIVE_PID ]] || return 0
    sleep 0.5                                   # the last FIN/ACKs
    kill -INT "$LIVE_PID" 2>/dev/null || true
    for i in $(seq 1 300); do alive "$LIVE_PID" || break; sleep 0.1; done
    if alive "$LIVE_PID"; then
        echo "[lab] cleartext live ignored SIGINT for 30 s" >&2; kill -KILL "$LIVE_PID" 2>/dev/null || true
    fi
    wait "$LIVE_PID" || rc=$?
    echo "$rc" >"$dir/live.rc"
    LIVE_PID=; rm -f "$LAB_DIR/pids/cleartext-live.pid"
    log "cleartext live stopped (exit $rc): $(tail -1 "$dir/live.err")"
}

# A generated capture for the load cases, its addresses mapped onto prefixes the namespaces own (added here).
# The frames carry the generator's MAC addresses, not the veth's, so the namespaces' stacks drop them:
# nothing answers them, and cleartext sees exactly what was replayed.
prepare_load() { # prepare_load FILE
    local file=$1
    command -v tcpreplay >/dev/null || die "tcpreplay is missing"
    "$PY" "$SHARED_TOOLS/gen_corpus.py" --bytes "$LOAD_BYTES" --seed 11 --addr-plan bench --out "$file.gen" --quiet \
        || die "gen_corpus.py failed"
    "$PY" "$HERE/remap.py" "$file.gen" "$file" 10.0.0.0/8=100.64.0.0/10 198.18.0.0/16=198.19.0.0/16 \
        2001:db8:1::/48=fd00:18:1::/48 2001:db8:ff::/48=fd00:18:ff::/48 >&2 || die "remap.py failed"
    rm -f "$file.gen"
    ip -n "$NS_CLI" addr add 100.64.0.1/10 dev "$VETH_CLI" 2>/dev/null || true
    ip -n "$NS_CLI" -6 addr add fd00:18:1::1/48 dev "$VETH_CLI" nodad 2>/dev/null || true
    ip -n "$NS_SRV" addr add 198.19.0.1/16 dev "$VETH_SRV" 2>/dev/null || true
    ip -n "$NS_SRV" -6 addr add fd00:18:ff::1/48 dev "$VETH_SRV" nodad 2>/dev/null || true
    # room for the generator's VLAN-tagged full-size frames
    ip -n "$NS_CLI" link set "$VETH_CLI" mtu 1504; ip -n "$NS_SRV" link set "$VETH_SRV" mtu 1504
}

# replay DIR FILE MBPS [TCPREPLAY ARGS...]: tcpreplay from the client namespace into the server's veth
replay() {
    local dir=$1 file=$2 mbps=$3; shift 3
    local rate=(--mbps "$mbps"); [[ $mbps == top ]] && rate=(--topspeed)
    in_cli tcpreplay -i "$VETH_CLI" "${rate[@]}" "$@" "$file" >"$dir/tcpreplay.out" 2>&1 \
        || { cat "$dir/tcpreplay.out" >&2; live_stop "$dir"; die "tcpreplay failed"; }
    echo "$mbps" >"$dir/mbps"
}

# The load case: the generated capture replayed at a fixed rate under cleartext live (OUTDIR/load), then
# drops on purpose (OUTDIR/drops): a 1 MiB kernel buffer and cleartext stopped (SIGSTOP) while 20,000
# frames arrive. They must be counted and reported (capture-drops, summary), never silently missing.
cmd_load() {
    local out=$1 dir="$1/load" t0; t0=$(now)
    mkdir -p "$dir"; chmod 700 "$dir"
    prepare_load "$dir/load.pcap"
    live_start "$dir"
    replay "$dir" "$dir/load.pcap" "$LOAD_MBPS"
    sleep 1
    live_stop "$dir"
    local drops="$out/drops"
    live_start "$drops" --buffer-size 1
    kill -STOP "$LIVE_PID"
    replay "$drops" "$dir/load.pcap" "$LOAD_MBPS" --limit 20000
    kill -CONT "$LIVE_PID"
    live_stop "$drops"
    printf '[lab] step %-22s %6d ms (%s at %s Mbit/s: %s)\n' load "$(ms_since "$t0")" "$LOAD_BYTES" "$LOAD_MBPS" \
        "$(grep -m1 'Actual:' "$dir/tcpreplay.out" | sed 's/^ *//')" >&2
}

# live_summary DIR: "received dropped frames sessions" from DIR/live.jsonl's summary
live_summary() {
    "$PY" -c 'import json,sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1]); c = s.get("capture", {})
print(c.get("received", 0), c.get("dropped_kernel", 0) + c.get("dropped_interface", 0), s["frames"], s["sessions"])' "$1/live.jsonl"
}

# The replay rate this machine sustains: the load capture at rising rates under cleartext live (the default
# 64 MiB buffer); prints a table and the highest rate with no drop. CTLAB_RATES overrides the list.
cmd_rate() {
    local out=$1 rate dir best=none line
    mkdir -p "$out"; out=$(cd "$out" && pwd); chmod 700 "$out"
    prepare_load "$out/load.pcap"
    printf '%-10s %-12s %-12s %-10s %-10s %-10s %s\n' mbit/s sent received dropped analyzed sessions tcpreplay
    for rate in ${CTLAB_RATES:-100 200 400 600 800 1000 1500 2000 3000 top}; do
        dir="$out/rate-$rate"; mkdir -p "$dir"; chmod 700 "$dir"
        live_start "$dir"
        replay "$dir" "$out/load.pcap" "$rate"
        sleep 1
        live_stop "$dir"
        read -r received dropped frames sessions < <(live_summary "$dir")
        line=$(grep -m1 'Actual:' "$dir/tcpreplay.out" | sed 's/^ *//')
        printf '%-10s %-12s %-12s %-10s %-10s %-10s %s\n' "$rate" "$(grep -oP 'Successful packets:\s+\K\d+' "$dir/tcpreplay.out")" \
            "$received" "$dropped" "$frames" "$sessions" "$line"
        [[ $dropped == 0 ]] && best=$rate
    done
    echo "highest rate with no drop: $best"
}

# A long run for memory: a 256 MiB load capture replayed in a loop (each pass takes longer than a closed
# connection lingers, so every pass opens its connections anew) for CTLAB_SOAK_SECONDS (default 1200) under
# one cleartext live; its resident memory (RssAnon: the heap, without the kernel ring it maps) is sampled every
# 5 s into OUTDIR/soak/rss.tsv. Once the longest time window cleartext keeps (10 minutes of logins and failed
# upgrades for the cross-session rules) has passed, memory must stay flat: the second half of what follows may
# not hold more than the first half (+10% and 4 MiB of slack).
cmd_soak() {
    local out=$1 dir="$1/soak" secs=${CTLAB_SOAK_SECONDS:-1200} t0 loops size pid
    mkdir -p "$dir"; dir=$(cd "$dir" && pwd); chmod 700 "$dir"
    LOAD_BYTES=${CTLAB_SOAK_BYTES:-256M} prepare_load "$dir/load.pcap"
    size=$(stat -c %s "$dir/load.pcap")
    loops=$(( secs * LOAD_MBPS * 125000 / size + 1 ))
    live_start "$dir"
    pid=$LIVE_PID
    in_cli tcpreplay -i "$VETH_CLI" --mbps "$LOAD_MBPS" --loop "$loops" "$dir/load.pcap" >"$dir/tcpreplay.out" 2>&1 &
    local replay_pid=$!; remember_pid tcpreplay "$replay_pid"
    t0=$(date +%s)
    printf 'seconds\trss_anon_kib\tvm_rss_kib\n' >"$dir/rss.tsv"
    while alive "$replay_pid" && (( $(date +%s) - t0 < secs + 60 )); do
        printf '%d\t%s\t%s\n' $(( $(date +%s) - t0 )) "$(awk '/^RssAnon:/ {print $2}' /proc/$pid/status)" \
            "$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status)" >>"$dir/rss.tsv"
        sleep 5
    done
    stop_pids INT "$replay_pid"
    rm -f "$LAB_DIR/pids/tcpreplay.pid"
    sleep 1
    live_stop "$dir"
    read -r received dropped frames sessions < <(live_summary "$dir")
    cp "$dir/rss.tsv" "${CTLAB_SOAK_KEEP:-/dev/null}" 2>/dev/null || true
    "$PY" - "$dir/rss.tsv" "$received" "$dropped" "$frames" "$sessions" <<'PYEOF'
import sys
rows = [tuple(map(int, l.split("\t"))) for l in open(sys.argv[1]).read().splitlines()[1:] if l.count("\t") == 2]
received, dropped, frames, sessions = sys.argv[2:6]
warm = min(660, rows[-1][0] // 3)
after = [r for r in rows if r[0] >= warm]
half = len(after) // 2
first, second = after[:half], after[half:]
peak_first, peak_second = max(r[1] for r in first), max(r[1] for r in second)
print(f"soak: {rows[-1][0]} s, {frames} frames, {sessions} sessions, {dropped} dropped; RssAnon after {warm} s: "
      f"peak {peak_first} KiB (first half) -> {peak_second} KiB (second half); at the end {rows[-1][1]} KiB; "
      f"VmRSS {rows[-1][2]} KiB")
for r in rows[::12]:
    print(f"  {r[0]:5d} s  RssAnon {r[1]:7d} KiB")
sys.exit(0 if peak_second <= peak_first * 1.1 + 4096 else 1)
PYEOF
}

# ---------------------------------------------------------------------------------------------- down
cmd_down() {
    need_root
    local f name pid
    # 1. every process we started, by its recorded PID (postfix master also stops its children)
    local pids=()
    if [[ -d $LAB_DIR/pids ]]; then
        for f in "$LAB_DIR"/pids/*.pid; do
            [[ -e $f ]] || continue
            pid=$(cat "$f" 2>/dev/null || true); [[ -n $pid ]] && pids+=("$pid")
        done
        [[ ${#pids[@]} -gt 0 ]] && stop_pids TERM "${pids[@]}"
        rm -f "$LAB_DIR"/pids/*.pid
    fi
    # 2. anything still running inside the lab namespaces (children of the above), by PID
    local ns
    for ns in "$NS_SRV" "$NS_CLI"; do
        ns_exists "$ns" || continue
        pids=($(ip netns pids "$ns" 2>/dev/null || true))
        [[ ${#pids[@]} -gt 0 ]] && stop_pids TERM "${pids[@]}"
        ip netns del "$ns" 2>/dev/null || true
    done
    # 3. the state directory (configs, keys, spools, logs)
    case $LAB_DIR in ""|/|/tmp|/root|/home|/etc|/var) die "refusing to delete LAB_DIR=$LAB_DIR" ;; esac
    rm -rf "$LAB_DIR"
    # 4. the lab user, if the lab created it
    if [[ ${CTLAB_KEEP_USER:-0} != 1 ]] && getent passwd "$LAB_USER" | cut -d: -f5 | grep -qx "$LAB_GECOS"; then
        userdel "$LAB_USER" 2>/dev/null || true
    fi
    log "lab is down"
}

cmd_all() {
    local out=${1:-}; [[ -n $out ]] || die "usage: lab.sh all OUTDIR"
    local t0 rc=0; t0=$(now)
    KEEP_DOWN_ON_EXIT=1 DOWN_ON_EXIT=1  # down runs whatever happens (see on_exit)
    cmd_up
    if [[ -n $CLEARTEXT ]]; then
        mkdir -p "$out"; out=$(cd "$out" && pwd)
        live_start "$out/live" -w "$out/live/live.pcap"
    fi
    cmd_record "$out" || rc=$?
    if [[ -n $CLEARTEXT ]]; then
        live_stop "$out/live"
        [[ $rc -eq 0 ]] && { cmd_load "$out" || rc=$?; }
    fi
    DOWN_ON_EXIT=0 KEEP_DOWN_ON_EXIT=0
    step down cmd_down
    printf '[lab] total %d ms\n' "$(ms_since "$t0")" >&2
    return $rc
}

# One EXIT trap for every command: stop a running capture; tear the lab down when asked to.
TCPDUMP_PID=
DOWN_ON_EXIT=0
KEEP_DOWN_ON_EXIT=0
on_exit() {
    local rc=$?
    set +e
    stop_tcpdump
    [[ -n $LIVE_PID ]] && stop_pids TERM "$LIVE_PID"
    if [[ $DOWN_ON_EXIT == 1 ]]; then
        DOWN_ON_EXIT=0
        echo "[lab] exiting with status $rc: tearing the lab down" >&2
        cmd_down
    fi
    exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

case ${1:-} in
    up)     cmd_up ;;
    record) shift; cmd_record "$@" ;;
    down)   cmd_down ;;
    all)    shift; cmd_all "$@" ;;
    rate)   shift; [[ -n $CLEARTEXT && -n ${1:-} ]] || die "usage: CTLAB_CLEARTEXT=BIN lab.sh rate OUTDIR"
            KEEP_DOWN_ON_EXIT=1 DOWN_ON_EXIT=1; cmd_up; cmd_rate "$1" ;;
    soak)   shift; [[ -n $CLEARTEXT && -n ${1:-} ]] || die "usage: CTLAB_CLEARTEXT=BIN lab.sh soak OUTDIR"
            KEEP_DOWN_ON_EXIT=1 DOWN_ON_EXIT=1; cmd_up; cmd_soak "$1" ;;
    list)   "$PY" "$CLIENTS" list ;;
    *)      sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
