"""The committed tap-pec catalog is what tap-postgres itself discovers on a PEC, narrowed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import PROJECT_ROOT
from tests.project import REFERENCE_DATE
from transmissor.contract import singer_catalog as catalog
from transmissor.contract.model import Contract
from transmissor.dev import sandbox
from transmissor.errors import TransmissorError

pytestmark = pytest.mark.e2e


def test_the_committed_catalog_equals_a_fresh_discovery(new_database: Callable[[str], str]) -> None:
    url = new_database("pec")
    sandbox.create(url, "2611533", citizens=100, seed=5, reference_date=REFERENCE_DATE)
    contract = Contract.load(PROJECT_ROOT)
    discovered = catalog.discover(PROJECT_ROOT, url, contract.schema)
    # Discovery sees every table of `public`; the catalog keeps the contract's.
    assert len(discovered["streams"]) > len(contract.tables)
    assert catalog.render(contract, discovered) == catalog.committed(PROJECT_ROOT), (
        "run `transmissor contract catalog --pec-url URL`"
    )


def test_a_failed_discovery_says_so(new_database: Callable[[str], str]) -> None:
    url = new_database("pec").replace("@", "x@", 1)  # a wrong password
    with pytest.raises(TransmissorError, match=r"tap-postgres discovery failed: .*password"):
        catalog.discover(PROJECT_ROOT, url, "public")
