"""Tunnel form checks, state words, ssh commands, minimal PATCHes and the poll schedule."""

from __future__ import annotations

import shlex
from dataclasses import replace

import pytest

from doover_tui.api.models import Tunnel
from doover_tui.tunnel_rules import (
    EDITABLE_FIELDS,
    ColumnFit,
    FormErrors,
    FormInput,
    PollSchedule,
    TunnelState,
    changes,
    endpoint_address,
    fit_columns,
    form_field_of,
    form_of,
    parse_allow_list,
    ssh_command,
    state_of,
    validate,
)

SSH = Tunnel(
    id="9",
    name="ssh",
    device_id="1",
    device_name="Pump 3",
    hostname="127.0.0.1",
    port=22,
    protocol="tcp",
    endpoint="pump-3.tunnels.example:23456",
    timeout=15,
    ip_restricted=True,
    ip_whitelist=("203.0.113.0/24",),
    username="pi",
)

GOOD = FormInput(name="web ui", hostname="192.168.1.10", port="80", protocol="http", timeout="15")


def errors_of(form: FormInput) -> dict[str, str]:
    with pytest.raises(FormErrors) as caught:
        validate(form)
    return caught.value.errors


def test_a_good_form_becomes_the_body() -> None:
    assert validate(GOOD) == {
        "name": "web ui",
        "hostname": "192.168.1.10",
        "port": 80,
        "protocol": "http",
        "timeout": 15,
        "ip_restricted": False,
        "ip_whitelist": [],
    }
    assert validate(replace(GOOD, username=" pi "))["username"] == "pi"


@pytest.mark.parametrize("port", ["0", "65536", "70000", "-1", "", "22a", "2.5"])
def test_ports_outside_1_to_65535_are_refused(port: str) -> None:
    assert set(errors_of(replace(GOOD, port=port))) == {"port"}


@pytest.mark.parametrize("port", ["1", "22", "65535", " 443 "])
def test_ports_inside_pass(port: str) -> None:
    assert validate(replace(GOOD, port=port))["port"] == int(port)


def test_every_bad_field_is_named_at_once() -> None:
    form = FormInput(name="", hostname="has space", port="x", protocol="ftp", username="a b", timeout="-3")
    assert set(errors_of(form)) == {"name", "hostname", "port", "protocol", "username", "timeout"}


def test_text_limits_follow_the_api() -> None:
    assert "200" in errors_of(replace(GOOD, name="n" * 201))["name"]
    assert "control" in errors_of(replace(GOOD, name="a\x1b[2Jb"))["name"]
    assert validate(replace(GOOD, name="n" * 200))["name"] == "n" * 200


def test_ip_restriction_needs_addresses_and_checks_each() -> None:
    assert "at least one" in errors_of(replace(GOOD, ip_restricted=True))["ip_whitelist"]
    body = validate(replace(GOOD, ip_restricted=True, ip_whitelist="203.0.113.7, 198.51.100.0/24  2001:db8::/32"))
    assert body["ip_whitelist"] == ["203.0.113.7", "198.51.100.0/24", "2001:db8::/32"]
    assert "did you mean 203.0.113.0/24" in errors_of(replace(GOOD, ip_whitelist="203.0.113.5/24"))["ip_whitelist"]
    assert "not an IP address" in errors_of(replace(GOOD, ip_whitelist="10.0.0.1, example.com"))["ip_whitelist"]


def test_allow_list_is_written_canonically() -> None:
    assert parse_allow_list("2001:DB8:0:0::1;10.0.0.0/8\n") == ["2001:db8::1", "10.0.0.0/8"]
    assert parse_allow_list("  ") == []


def test_state_words() -> None:
    assert state_of(SSH) is TunnelState.INACTIVE
    assert state_of(replace(SSH, is_active=True)) is TunnelState.ACTIVE
    assert state_of(SSH, pending=True) is TunnelState.PENDING


def test_ssh_command_for_a_tcp_tunnel_to_port_22() -> None:
    assert ssh_command(SSH) == "ssh -p 23456 pi@pump-3.tunnels.example"
    assert ssh_command(replace(SSH, username="")) == "ssh -p 23456 pump-3.tunnels.example"


def test_ssh_command_quotes_what_a_device_supplies() -> None:
    hostile = replace(SSH, username="pi; rm -rf ~")
    assert shlex.split(ssh_command(hostile)) == ["ssh", "-p", "23456", "pi; rm -rf ~@pump-3.tunnels.example"]


@pytest.mark.parametrize(
    ("tunnel", "why"),
    [
        (replace(SSH, protocol="http"), "only a tcp tunnel to port 22"),
        (replace(SSH, port=2222), "only a tcp tunnel to port 22"),
        (replace(SSH, endpoint=""), "not host:port"),
        (replace(SSH, endpoint="evil`host`:22"), "not host:port"),
    ],
)
def test_no_ssh_command_says_why(tunnel: Tunnel, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        ssh_command(tunnel)


@pytest.mark.parametrize(
    ("endpoint", "address"),
    [
        ("host.example:443", ("host.example", 443)),
        ("tcp://host.example:2222", ("host.example", 2222)),
        ("https://host.example:8443/path", ("host.example", 8443)),
        ("[2001:db8::1]:22", ("2001:db8::1", 22)),
        ("host.example", None),
        ("host.example:0", None),
        ("host.example:99999", None),
        (":22", None),
    ],
)
def test_endpoint_address(endpoint: str, address: tuple[str, int] | None) -> None:
    assert endpoint_address(endpoint) == address


def test_edit_sends_only_changed_editable_fields() -> None:
    body = validate(form_of(SSH))
    assert changes(SSH, body) == {}
    edited = validate(replace(form_of(SSH), timeout="30", ip_whitelist="203.0.113.0/24 198.51.100.9", username=""))
    assert changes(SSH, edited) == {"timeout": 30, "ip_whitelist": ["203.0.113.0/24", "198.51.100.9"], "username": None}
    assert set(changes(SSH, validate(replace(form_of(SSH), protocol="http")))) <= set(EDITABLE_FIELDS)
    assert "protocol" not in EDITABLE_FIELDS


def test_server_error_paths_map_to_form_fields() -> None:
    assert form_field_of("port") == "port"
    assert form_field_of("ip_whitelist.0") == "ip_whitelist"
    assert form_field_of("device_id") is None
    assert form_field_of("non_field_errors") is None


def test_poll_schedule_backs_off_up_to_its_bound() -> None:
    delays = list(PollSchedule(first=0.5, factor=2, longest=4, give_up_after=20).delays())
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(delays) == 4
    assert sum(delays) == pytest.approx(20)
    assert sum(PollSchedule().delays()) == pytest.approx(60)


def test_poll_schedule_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="poll schedule"):
        PollSchedule(first=0)
    assert list(PollSchedule(first=5, longest=5, give_up_after=2).delays()) == [2]


FITS = [
    ColumnFit(least=6, most=10, grow=1),  # name: never dropped
    ColumnFit(least=8, most=30, drop=2, grow=3, yields=True),  # device
    ColumnFit(least=16, most=40, grow=0, favoured=True),  # endpoint
    ColumnFit(least=7, most=7, drop=1, yields=True),  # timeout
    ColumnFit(least=7, most=0, drop=3),  # nothing to show
]


def test_fit_columns_wide_gives_the_favoured_column_its_width_first() -> None:
    assert fit_columns(200, FITS) == [10, 30, 40, 7, 0]
    assert fit_columns(80, FITS) == [10, 20, 40, 7, 0]  # the device shrinks, the endpoint stays whole


def test_fit_columns_narrow_drops_the_yielding_columns_in_order() -> None:
    assert fit_columns(66, FITS) == [8, 8, 40, 7, 0]  # the endpoint widens first, then the name
    assert fit_columns(60, FITS) == [10, 8, 40, 0, 0]  # the timeout goes before the endpoint is cut
    assert fit_columns(40, FITS) == [6, 0, 33, 0, 0]
    widths = fit_columns(10, FITS)
    assert widths[1] == widths[3] == 0
    assert widths[0] > 0  # the kept columns stay, however cut
    assert widths[2] > 0
