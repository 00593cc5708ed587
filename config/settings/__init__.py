"""Settings, split by concern; every value comes from the environment through config.env."""

from config.env import check_no_unknown_variables

from .api import *  # noqa: F403
from .core import *  # noqa: F403
from .database import *  # noqa: F403
from .environment import *  # noqa: F403
from .logging import *  # noqa: F403
from .security import *  # noqa: F403
from .tasks import *  # noqa: F403
from .testing import *  # noqa: F403
from .uploads import *  # noqa: F403

check_no_unknown_variables()
