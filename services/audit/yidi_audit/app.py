"""The audit service: review rules over priced claims, joint review between regions, assistance requests, 特例单议."""
from yidi_common.config_provider import ConfigProvider
from yidi_common.runtime import create_service_app
from yidi_common.settings import get_settings

from .api.flags import router
from .api.special_cases import router as special_cases_router
from .consumers.handlers import make_handlers
from .domain.params import load_audit_config

settings = get_settings()
# the rules file and the norms beside it: reloaded when they change, if they validate
rules = ConfigProvider.load(settings.yidi_audit_rules.parent,
                            lambda directory: load_audit_config(directory / settings.yidi_audit_rules.name))

app = create_service_app(
    "audit",
    handlers=make_handlers(lambda: rules.current),
    routers=[router, special_cases_router],
    watched=(rules,),
    title="Yidi audit: review rules and joint review",
    description="Rules raise flags with evidence; the treatment region proposes, the insured region confirms or "
                "disputes, the province resolves; confirmed amounts become deductions in clearing. 特例单议: the hospital "
                "applies, the treatment region decides within the hospital's quota.",
)
app.state.audit_rules = rules  # the special-case routes read the quota in force
