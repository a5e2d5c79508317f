from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "benhan.feedback"
    label = "feedback"
    verbose_name = _("Phản ánh – góp ý")

    def ready(self) -> None:
        from benhan.accounts.navigation import NavItem, register

        register(NavItem("feedback:queue", _("Góp ý"), roles=("facility_admin", "quality", "receptionist", "nurse"),
                         order=15))
