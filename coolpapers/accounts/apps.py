from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.accounts"
    verbose_name = "Accounts: sign-in, your data"

    def ready(self) -> None:
        from allauth.account.signals import user_signed_up

        from coolpapers.accounts import receivers

        user_signed_up.connect(receivers.make_default_collection, dispatch_uid="accounts-default")
