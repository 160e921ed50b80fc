from django.urls import include, path

from coolpapers.accounts import views

# allauth's URL names (account_login, account_signup, …) stay global, as its templates expect.
# Ours come first: the code page fills in a code from the mail's link.
urlpatterns = [
    path("data", views.your_data, name="account_data"),
    path("data/export", views.export, name="account_export"),
    path("data/delete", views.delete, name="account_delete"),
    path("data/token", views.token_create, name="account_token"),
    path("data/token/revoke", views.token_revoke, name="account_token_revoke"),
    path("deleted", views.deleted, name="account_deleted"),
    path("merge", views.merge_page, name="account_merge"),
    path("merge/titles", views.merge_titles, name="account_merge_titles"),
    path("login/code/confirm/", views.confirm_login_code, name="account_confirm_login_code"),
    path("", include("allauth.urls")),
]
