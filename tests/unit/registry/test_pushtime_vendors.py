"""Every registry's push-time API registered in the one table implements the one Vendor
interface, lives in its own module, and is a value ``push_time:`` accepts: adding one is one
module and one line."""

from __future__ import annotations

import pytest

from gitops_bot.registry.pushtime import OFF, kind_of, vendors
from gitops_bot.registry.pushtime.base import Vendor
from gitops_bot.registry.settings import PUSH_TIME_APIS

VENDORS = vendors()
HOSTS = {
    "github": "ghcr.io",
    "dockerhub": "docker.io",
    "quay": "quay.io",
    "harbor": "harbor.example.com",
    "acr": "team.azurecr.io",
    "gar": "europe-docker.pkg.dev",
    "ecr": "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
}


def test_push_time_accepts_every_registered_api_and_off() -> None:
    assert set(PUSH_TIME_APIS) == {*VENDORS, OFF}
    assert set(HOSTS) == set(VENDORS)


@pytest.mark.parametrize("kind", sorted(VENDORS))
def test_every_registered_vendor_implements_the_interface(kind: str) -> None:
    vendor = VENDORS[kind]
    assert isinstance(vendor, Vendor) and vendor.kind == kind
    assert type(vendor).__module__ == f"gitops_bot.registry.pushtime.{kind}"
    assert vendor.source and (vendor.token_env is None or vendor.token_env.isupper())
    host = HOSTS[kind]
    # by name alone, except Harbor, which any host can be
    assert kind_of(host, harbor_hosts=[HOSTS["harbor"]]) == kind
    assert vendor.recognises(host) is (kind != "harbor")
    api = vendor.api(host, {})
    assert api.startswith("https://")
    if vendor.on_registry:  # asked on the registry's own host
        assert api == f"https://{host}"


def test_no_two_vendors_claim_a_host() -> None:
    for host in HOSTS.values():
        assert sum(v.recognises(host) for v in VENDORS.values()) <= 1


def test_the_ecr_api_follows_the_sdks_endpoint_variables() -> None:
    ecr = VENDORS["ecr"]
    host = HOSTS["ecr"]
    assert ecr.api(host, {}) == "https://api.ecr.eu-west-1.amazonaws.com/"
    assert ecr.api(host, {"AWS_ENDPOINT_URL_ECR": "https://vpce.example/"}) == "https://vpce.example/"
    assert ecr.api("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", {}).endswith(".amazonaws.com.cn/")
    assert not ecr.recognises("public.ecr.aws")  # ECR Public's DescribeImages is its owner's only
