"""The audit service: review rules over priced claims, joint review between regions, assistance requests."""
from yidi_common.runtime import create_service_app
from yidi_common.settings import get_settings

from .api.flags import router
from .consumers.handlers import make_handlers
from .domain.params import load_audit_config

rules = load_audit_config(get_settings().yidi_audit_rules)

app = create_service_app(
    "audit",
    handlers=make_handlers(rules),
    routers=[router],
    title="Yidi audit: review rules and joint review",
    description="Rules raise flags with evidence; the treatment region proposes, the insured region confirms or "
                "disputes, the province resolves; confirmed amounts become deductions in clearing.",
)
