"""allauth, fitted to the site: mails that link back in one click, and the merge offer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

LOGIN_CODE_MAIL = "account/email/login_code"


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context_: dict) -> None:
        """The sign-in code's mail also carries a link to the code page with the code filled
        in: one click signs in, in the browser that asked for the code (its session holds
        the pending sign-in, so the link is useless anywhere else)."""
        request = context.request
        if template_prefix == LOGIN_CODE_MAIL and request is not None and context_.get("code"):
            url = (
                reverse("account_confirm_login_code") + "?" + urlencode({"code": context_["code"]})
            )
            context_ = {**context_, "code_url": request.build_absolute_uri(url)}
        super().send_mail(template_prefix, email, context_)

    def post_login(self, request: Any, user: Any, **kwargs: Any) -> HttpResponse:
        """After any sign-in (password, code, sign-up), pass by the offer to merge what this
        browser kept; the offer page goes straight on when there is nothing new to merge."""
        response = super().post_login(request, user, **kwargs)
        if isinstance(response, HttpResponseRedirect):
            target = response["Location"]
            offer = reverse("account_merge")
            if not target.startswith(offer):
                response["Location"] = offer + "?" + urlencode({"next": target})
        return response
