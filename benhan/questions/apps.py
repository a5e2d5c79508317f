from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionsConfig(AppConfig):
    name = "benhan.questions"
    label = "questions"
    verbose_name = _("Hỏi bác sĩ")

    def ready(self) -> None:
        from benhan.accounts.navigation import NavItem, register

        from . import tasks  # noqa: F401  (registers the video reminder job handler)

        register(NavItem("questions:queue", _("Hỏi bác sĩ"), roles=("doctor", "nurse"), order=14))
