from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "benhan.accounts"
    label = "accounts"
