from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "benhan.exchange"
    label = "exchange"
