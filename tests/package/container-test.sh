#!/bin/bash
# Runs inside the throw-away Debian system that test-package.sh boots with
# systemd as PID 1 (systemd-nspawn --boot), as the oneshot unit
# vdg-package-test.service, once the boot reached multi-user.target.
#
# Installs the .deb in /vdg-test/, runs an instance of the template units as
# an administrator would (a config file, then `systemctl enable --now` of the
# socket unit), makes the first connection through the simulated chip's
# control socket, which starts the service, and checks what systemd and the
# journal say. Then disables and stops it and purges the package. TAP on stdout (the unit writes it to
# /vdg-test/result.tap), plan last; the unit powers the system off after.
set -u
export LC_ALL=C.UTF-8 SYSTEMD_PAGER='' SYSTEMD_COLORS=0

instance=t1
service=vhost-device-gpio@$instance.service
socket=vhost-device-gpio@$instance.socket
sock=/run/vhost-device-gpio/$instance.sock
log=/vdg-test/commands.log

# TAP helpers: tests/e2e/tap.sh, which test-package.sh puts beside this
# script. tap_check logs every command and its output.
# shellcheck source=tests/e2e/tap.sh
source "${0%/*}/tap.sh"
tap_log=$log

# Poll COMMAND for up to SECONDS (0.2 s steps); status of the last try.
wait_for() {
	local seconds=$1 i
	shift
	for ((i = 0; i < seconds * 5; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}

show() { systemctl show -P "$1" "$2"; }

deb=$(echo /vdg-test/vhost-device-gpio_*.deb)
tap_check "dpkg -i installs $(basename "$deb") (dependencies present)" \
	dpkg -i "$deb"
if ! dpkg-query -W -f='${Status}' vhost-device-gpio 2>/dev/null |
	grep -q 'ok installed'; then
	bail_out "the package is not installed"
fi

# Templates: the package enables and starts nothing by itself.
active=$(systemctl list-units --all --no-legend --plain --state=active \
	'vhost-device-gpio*' 2>&1)
if [[ -z $active ]]; then
	tap_ok "no unit of the package runs after installing it"
else
	tap_not_ok "no unit of the package runs after installing it"
	tap_diag "$active"
fi
for unit in vhost-device-gpio@.service vhost-device-gpio@.socket; do
	tap_check "systemd finds the template unit $unit" systemctl cat "$unit"
done
# --man=no: the Documentation= man pages need man, not in this root.
tap_check "systemd-analyze verify $socket $service" \
	systemd-analyze verify --man=no "$socket" "$service"

# The socket unit's group (kvm) must exist before the unit can start.
group=$(show SocketGroup "$socket")
mode=$(show SocketMode "$socket")
tap_check "the socket group '${group:-root}' exists after installing" \
	getent group "${group:-root}"

printf 'DEVICE_LIST=s8\n' >/etc/vhost-device-gpio/$instance.conf
# As the README and example.conf tell the administrator.
tap_check "systemctl enable --now $socket" systemctl enable --now "$socket"
tap_check "$socket is enabled and active" \
	test "$(systemctl is-enabled "$socket")/$(systemctl is-active "$socket")" \
	= enabled/active
for s in "$sock" "$sock.sim"; do
	tap_check "$s is a socket" test -S "$s"
	# Modes compared as numbers: "0660" from systemd, "660" from stat.
	want="$((8#${mode:-0666})) ${group:-root}"
	got=$(stat -c '%a %G' "$s" 2>/dev/null) &&
		got="$((8#${got%% *})) ${got#* }"
	if [[ $got == "$want" ]]; then
		tap_ok "$s has the unit's mode and group ($mode ${group:-root})"
	else
		tap_not_ok "$s has the unit's mode and group ($mode ${group:-root})"
		echo "# found: $(stat -c '%a %U:%G' "$s" 2>&1)"
	fi
done
state=$(systemctl is-active "$service")
if [[ $state == inactive ]]; then
	tap_ok "$service waits for the first connection"
else
	tap_not_ok "$service waits for the first connection (is $state)"
fi

# The first connection, on the control socket, starts the service; the
# daemon answers through the socket systemd passed it.
list=$(timeout 30 vhost-device-gpio-sim "$sock.sim" list 2>&1)
rc=$?
printf '$ vhost-device-gpio-sim %s list\n%s\n' "$sock.sim" "$list" >>"$log"
lines=$(grep -cE '^[0-7] in 0$' <<<"$list")
if ((rc == 0)) && ((lines == 8)) && [[ $(tail -n 1 <<<"$list") == end ]]; then
	tap_ok "vhost-device-gpio-sim lists the 8 lines through $instance.sock.sim"
else
	tap_not_ok "vhost-device-gpio-sim lists the 8 lines through $instance.sock.sim"
	echo "# exit status $rc, output:"
	tap_diag "$(printf '%s\n' "$list" | tail -n 12)"
fi

# Type=notify: "active" only after the daemon sent READY=1.
type=$(show Type "$service")
if wait_for 15 systemctl is-active --quiet "$service" && [[ $type == notify ]]
then
	tap_ok "$service is active (Type=$type: READY=1 arrived)"
else
	tap_not_ok "$service is active (Type=$type: READY=1 arrived)"
	tap_diag "$(systemctl status --no-pager -n 20 "$service" 2>&1)"
fi
status_text=$(show StatusText "$service")
if [[ -n $status_text ]]; then
	tap_ok "the daemon reports its status: '$status_text'"
else
	tap_not_ok "the daemon reports its status (StatusText is empty)"
fi
pid=$(show MainPID "$service")
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
if [[ $pid != 0 && -n $uid && $uid != 0 ]]; then
	tap_ok "the daemon runs unprivileged (pid $pid, uid $uid)"
else
	tap_not_ok "the daemon runs unprivileged (pid ${pid:-?}, uid ${uid:-?})"
fi

journal=$(journalctl -b --no-pager -o cat _SYSTEMD_UNIT="$service" 2>&1)
printf '$ journalctl _SYSTEMD_UNIT=%s\n%s\n' "$service" "$journal" >>"$log"
if grep -q 'serving a simulated' <<<"$journal"; then
	tap_ok "the journal has the daemon's start line"
else
	tap_not_ok "the journal has the daemon's start line"
	tap_diag "$(printf '%s\n' "$journal" | tail -n 10)"
fi
if ! grep -qE '^vhost-device-gpio: |^<[0-7]>' <<<"$journal"; then
	tap_ok "journal lines carry a priority, no program prefix"
else
	tap_not_ok "journal lines carry a priority, no program prefix"
	tap_diag "$(grep -E '^vhost-device-gpio: |^<[0-7]>' <<<"$journal" | head -n 5)"
fi

tap_check "systemctl disable --now $socket $service" \
	systemctl disable --now "$socket" "$service"
result=$(show Result "$service")
code=$(show ExecMainStatus "$service")
if [[ $result == success && $code == 0 ]]; then
	tap_ok "the daemon exited 0 when stopped"
else
	tap_not_ok "the daemon exited 0 when stopped (Result=$result, status $code)"
	tap_diag "$(journalctl -b --no-pager -n 10 -u "$service" 2>&1)"
fi
if [[ $(show RemoveOnStop "$socket") == yes ]]; then
	tap_check "stopping the socket unit removed both socket files" \
		test ! -e "$sock" -a ! -e "$sock.sim"
fi

tap_check "dpkg --purge removes the package" dpkg --purge vhost-device-gpio
tap_check "no program or example configuration left" \
	test ! -e /usr/bin/vhost-device-gpio -a \
	! -e /etc/vhost-device-gpio/example.conf
tap_done
