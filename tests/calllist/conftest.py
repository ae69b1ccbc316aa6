"""The loan management fixtures, shared with the call-list tests."""

from tests.loans.conftest import book as book
from tests.loans.conftest import headers as headers
from tests.loans.conftest import other_book as other_book
from tests.loans.conftest import west as west
from tests.loans.conftest import west_book as west_book
