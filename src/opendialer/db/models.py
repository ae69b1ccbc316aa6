"""Imports every table module so that Base.metadata knows the whole schema."""

from opendialer.auth import models as auth_models
from opendialer.db.base import Base
from opendialer.dialler import models as dialler_models
from opendialer.tenancy import models as tenancy_models

__all__ = ["Base", "auth_models", "dialler_models", "tenancy_models"]
