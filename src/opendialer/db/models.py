"""Imports every table module so that Base.metadata knows the whole schema."""

from opendialer.auth import models as auth_models
from opendialer.calllist import models as calllist_models
from opendialer.callreports import models as callreports_models
from opendialer.calltracking import models as calltracking_models
from opendialer.compliance import models as compliance_models
from opendialer.db.base import Base
from opendialer.dialler import models as dialler_models
from opendialer.dnc import models as dnc_models
from opendialer.engine import models as engine_models
from opendialer.idempotency import models as idempotency_models
from opendialer.loans import models as loans_models
from opendialer.tenancy import models as tenancy_models

__all__ = [
    "Base",
    "auth_models",
    "calllist_models",
    "callreports_models",
    "calltracking_models",
    "compliance_models",
    "dialler_models",
    "dnc_models",
    "engine_models",
    "idempotency_models",
    "loans_models",
    "tenancy_models",
]
