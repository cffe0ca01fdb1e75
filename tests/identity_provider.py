"""A real OpenID Connect provider for tests (tests/oidc_provider: django-oauth-toolkit), as its own process on a
free loopback port, with one client (Confer) and the people it knows. Stopped by PID."""

import json
import os
import secrets
import subprocess
from pathlib import Path

from tests.servers import LOOPBACK, PYTHON, REPO, free_port, stop_process, wait_for_port

CLIENT_ID = "confer"


def new_rsa_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


class IdentityProvider:
    def __init__(self, workdir, redirect_uris, people):
        """people: {username: (password, first name, last name)}; redirect_uris: Confer's callback URLs."""
        self.workdir = Path(workdir)
        self.port = free_port()
        self.redirect_uris = list(redirect_uris)
        self.people = dict(people)
        self.client_secret = secrets.token_urlsafe(24)
        self.process = None

    @property
    def issuer(self):
        return f"http://{LOOPBACK}:{self.port}/o"

    @property
    def env(self):
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
            "IDP_SECRET_KEY": "identity-provider-test-key",
            "IDP_DATABASE": str(self.workdir / "idp.sqlite3"),
            "IDP_RSA_PRIVATE_KEY": self.rsa_key,
            # oauthlib refuses plain http unless told this is a test.
            "OAUTHLIB_INSECURE_TRANSPORT": "1",
        }

    def provider_config(self, **options):
        """The OIDC_PROVIDERS entry that points Confer at this provider."""
        return {"id": "acme", "name": "Acme SSO", "server_url": self.issuer, "client_id": CLIENT_ID,
                "secret": self.client_secret, **options}

    def django(self, *args):
        result = subprocess.run([PYTHON, "-m", "django", *args], cwd=REPO, env=self.env, capture_output=True,
                                text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"identity provider: django {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.rsa_key = new_rsa_key()
        self.django("migrate", "--noinput")
        setup = (
            "from django.contrib.auth.models import User\n"
            "from oauth2_provider.models import Application\n"
            f"for username, (password, first, last) in {json.dumps(self.people)}.items():\n"
            "    User.objects.create_user(username, username + '@acme.example', password, first_name=first, "
            "last_name=last)\n"
            f"Application.objects.create(name='Confer', client_id={CLIENT_ID!r}, "
            f"client_secret={self.client_secret!r}, client_type='confidential', "
            "authorization_grant_type='authorization-code', "
            f"redirect_uris={' '.join(self.redirect_uris)!r}, algorithm='RS256', skip_authorization=True)\n"
        )
        self.django("shell", "-c", setup)
        self.log = open(self.workdir / f"idp-{self.port}.log", "ab")
        self.process = subprocess.Popen([PYTHON, "-m", "django", "runserver", f"{LOOPBACK}:{self.port}", "--noreload"],
                                        cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, timeout=30, process=self.process)
        return self

    def stop(self):
        if self.process is not None:
            stop_process(self.process)
            self.log.close()
