"""The SSH tunnel to a município's PEC, for the project's own connections.

A município registered with `--ssh-host/--ssh-user` has a PEC that only its SSH bastion
reaches. tap-postgres opens its own tunnel for the Singer path; the project's own steps that
read the PEC (the pre-flight, `municipio check`, reconciliation) open one here the same way:
the private key's text from PEC_SSH_PRIVATE_KEY_<IBGE> read by paramiko (the library and
version the tap uses, so a key one accepts the other accepts), public-key login only, and a
direct-tcpip channel from the bastion to the PEC's host and port as the bastion sees them.
libpq connects to a listener on 127.0.0.1 that forwards into that channel; TLS to the PEC is
negotiated end to end through it.

Every failure is a TransmissorError naming the município, the bastion and what to check,
raised before anything is read or written.
"""

from __future__ import annotations

import io
import os
import selectors
import socket
import threading
from collections.abc import Mapping
from contextlib import suppress

import paramiko

from transmissor.errors import TransmissorError
from transmissor.municipios.environments import (
    ENVIRONMENTS_DIR,
    MunicipioEnvironment,
    label,
    ssh_key_variable,
)

# The key types paramiko reads (DSA was removed from it), the most common first.
KEY_TYPES: tuple[type[paramiko.PKey], ...] = (
    paramiko.Ed25519Key,
    paramiko.RSAKey,
    paramiko.ECDSAKey,
)
TIMEOUT_SECONDS = 10
BUFFER = 65536
# SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (RFC 4254): the bastion's sshd does not forward.
PROHIBITED = 1


def _where(env: MunicipioEnvironment) -> str:
    assert env.ssh is not None
    return f"{env.ssh.host}:{env.ssh.port}"


def key_text(env: MunicipioEnvironment, environ: Mapping[str, str] = os.environ) -> str:
    """The text in PEC_SSH_PRIVATE_KEY_<IBGE>; refused, with what to put there, when unset."""
    assert env.ssh is not None
    variable = ssh_key_variable(env.ibge)
    text = environ.get(variable, "")
    if not text.strip():
        msg = (
            f"{label(env)}: {variable} is not set; put there the private key (its text) whose "
            f"public key the SSH bastion {_where(env)} authorises for {env.ssh.username} "
            "(environment or .env). Nothing was read or written"
        )
        raise TransmissorError(msg)
    return text


def private_key(env: MunicipioEnvironment) -> paramiko.PKey:
    """The município's SSH key, from the text in PEC_SSH_PRIVATE_KEY_<IBGE>."""
    variable = ssh_key_variable(env.ibge)
    text = key_text(env)
    for kind in KEY_TYPES:
        try:
            return kind.from_private_key(io.StringIO(text))
        except paramiko.PasswordRequiredException:
            msg = (
                f"{label(env)}: the key in {variable} is protected by a passphrase; the tunnel "
                "needs a key without one (ssh-keygen -p -N '' -f KEYFILE). Nothing was read "
                "or written"
            )
            raise TransmissorError(msg) from None
        except (paramiko.SSHException, ValueError):
            continue  # another type of key
    msg = (
        f"{label(env)}: {variable} holds no private key paramiko can read (Ed25519, RSA or "
        "ECDSA, in OpenSSH or PEM form, the whole text with its BEGIN and END lines). Nothing "
        "was read or written"
    )
    raise TransmissorError(msg)


class Tunnel:
    """One logged-in SSH session to the bastion, and a local listener forwarding to the PEC."""

    def __init__(self, env: MunicipioEnvironment) -> None:
        assert env.ssh is not None
        self.env = env
        self.client = paramiko.SSHClient()
        self.listener: socket.socket | None = None
        self.failure: str | None = None  # why the bastion refused to forward, if it did
        self._closed = threading.Event()

    @property
    def port(self) -> int:
        assert self.listener is not None
        return int(self.listener.getsockname()[1])

    def open(self) -> Tunnel:
        env = self.env
        assert env.ssh is not None
        key = private_key(env)
        # The bastion's host key is accepted as it is presented, as tap-postgres accepts it
        # for the same bastion in the same job.
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        try:
            self.client.connect(
                env.ssh.host,
                port=env.ssh.port,
                username=env.ssh.username,
                pkey=key,
                allow_agent=False,  # the configured key only, never one lying around
                look_for_keys=False,
                timeout=TIMEOUT_SECONDS,
                banner_timeout=TIMEOUT_SECONDS,
                auth_timeout=TIMEOUT_SECONDS,
            )
        except paramiko.AuthenticationException as error:
            self.close()
            raise TransmissorError(self._refused_key(error)) from None
        except (paramiko.SSHException, OSError) as error:
            self.close()
            raise TransmissorError(self._unreachable(error)) from None
        self.listener = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._serve, name="pec-tunnel", daemon=True).start()
        return self

    def seal(self) -> None:
        """Stop listening once libpq is connected: no other local process can ride the
        tunnel (the connection's channel carries on)."""
        self._closed.set()
        if self.listener is not None:
            with suppress(OSError):
                self.listener.close()

    def close(self) -> None:
        self.seal()
        self.client.close()

    def _refused_key(self, error: Exception) -> str:
        env = self.env
        assert env.ssh is not None
        variable = ssh_key_variable(env.ibge)
        return (
            f"{label(env)}: the SSH bastion {_where(env)} refused the key of "
            f"{env.ssh.username} ({error}); check {variable}, and that its public key is in "
            f"{env.ssh.username}'s authorized_keys on the bastion. Nothing was read or written"
        )

    def _unreachable(self, error: Exception) -> str:
        env = self.env
        return (
            f"{label(env)}: cannot open an SSH session with the bastion {_where(env)} "
            f"({_reason(error)}); check that sshd runs there and accepts this "
            f"machine, and `ssh_tunnel` host and port in "
            f"{_file(env)}. Nothing was read or written"
        )

    def _forward_refused(self, error: paramiko.ChannelException) -> str:
        env = self.env
        assert env.ssh is not None
        pec = f"{env.host}:{env.port}"
        if error.code == PROHIBITED:
            fix = (
                f"the bastion's sshd may not forward for {env.ssh.username} "
                "(AllowTcpForwarding, PermitOpen, or the key's options in authorized_keys)"
            )
        else:
            fix = (
                "the bastion cannot connect to the PEC there; check `host` and `port` in "
                f"{_file(env)} (as the bastion sees the PEC)"
            )
        return (
            f"{label(env)}: the SSH bastion {_where(env)} refused to forward to the PEC at "
            f"{pec} ({error.text}); {fix}. Nothing was read or written"
        )

    def _serve(self) -> None:
        """Forward each connection libpq opens on the listener (one, usually) to the PEC."""
        assert self.listener is not None
        while not self._closed.is_set():
            try:
                local, peer = self.listener.accept()
            except OSError:
                return  # closed
            transport = self.client.get_transport()
            if transport is None or not transport.is_active():
                local.close()
                continue
            try:
                channel = transport.open_channel(
                    "direct-tcpip", (self.env.host, self.env.port), peer, timeout=TIMEOUT_SECONDS
                )
            except paramiko.ChannelException as error:
                self.failure = self._forward_refused(error)
                local.close()
                continue
            except (paramiko.SSHException, OSError) as error:
                self.failure = self._unreachable(error)
                local.close()
                continue
            threading.Thread(
                target=_pump, args=(local, channel), name="pec-tunnel-pump", daemon=True
            ).start()


def _reason(error: Exception) -> str:
    """What went wrong, in the operating system's words when it has them."""
    if isinstance(error, paramiko.ssh_exception.NoValidConnectionsError):
        # One error per address tried (IPv4, IPv6): say each kind once.
        return "; ".join(sorted({_reason(e) for e in error.errors.values()}))
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _file(env: MunicipioEnvironment) -> str:
    return f"{ENVIRONMENTS_DIR}/{env.ibge}.meltano.yml"


def _pump(local: socket.socket, channel: paramiko.Channel) -> None:
    """Copy bytes both ways until either side closes."""
    with selectors.DefaultSelector() as selector, local, channel:
        selector.register(local, selectors.EVENT_READ, channel)
        selector.register(channel, selectors.EVENT_READ, local)
        while True:
            for ready, _ in selector.select():
                try:
                    data = ready.fileobj.recv(BUFFER)
                    if not data:
                        return
                    ready.data.sendall(data)
                except OSError:
                    return
