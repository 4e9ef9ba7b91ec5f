from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from campaigns import views
from campaigns.models import GenerationJob, ImportJob, MatchingJob
from campaigns.web import account as accounts
from campaigns.web import (
    budget_edit,
    budgets,
    clusters,
    dashboard,
    files,
    jobs,
    language,
    members,
    organizations,
    profile,
    search_terms,
    settings_page,
    signup,
    structure,
    switch,
)
from campaigns.web import campaign_list as campaign_list_page
from campaigns.web import generate as generation
from campaigns.web import invitations as invitation_page

app_name = "campaigns"
urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/all/", views.campaign_list, name="campaign_list"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="campaigns/login.html", authentication_form=signup.SignInForm),
        name="login",
    ),
    path("accounts/signup/", signup.sign_up, name="signup"),
    path("accounts/signup/sent/", signup.sign_up_done, name="signup_done"),
    path("accounts/confirm/<str:token>/", signup.confirm_account, name="confirm_account"),
    path("register/", RedirectView.as_view(pattern_name="campaigns:signup")),
    path("accounts/profile/", profile.profile, name="profile"),
    path("accounts/profile/tokens/", profile.create_token, name="create_token"),
    path("accounts/profile/tokens/<str:token_key>/revoke/", profile.revoke_token, name="revoke_token"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", accounts.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/", RedirectView.as_view(pattern_name="campaigns:password_reset")),
    path("accounts/password/reset/sent/", accounts.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("organization/switch/", switch.switch_organization, name="switch_organization"),
    path("organizations/new/", organizations.new_organization, name="new_organization"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("search-terms/", search_terms.search_terms, name="search_terms"),
    path("new-ad-groups/", clusters.intent_clusters, name="intent_clusters"),
    path("matching-jobs/<int:job_id>/", jobs.job_progress, {"model": MatchingJob}, name="matching_job"),
    path("budgets/", budgets.budgets, name="budgets"),
    path("budgets/plans/<int:plan_id>/decide/", budgets.decide_plan, name="decide_plan"),
    path("budgets/plans/<int:plan_id>/review/", budgets.review_plan, name="review_plan"),
    path("budgets/plan-now/", budgets.plan_now, name="plan_now"),
    path("budgets/planning/", budgets.plan_progress, name="plan_progress"),
    path("budgets/campaigns/<int:campaign_id>/daily-budget/", budget_edit.edit_budget, name="edit_budget"),
    path("budgets/changes/<int:change_id>/roll-back/", budgets.roll_back, name="roll_back"),
    path("exports/", files.exports, name="exports"),
    path("exports/<slug:kind>/", files.download, name="download"),
    path("exports/<slug:kind>/left-out/", files.download_left_out, name="download_left_out"),
    path("imports/", files.imports, name="imports"),
    path("import-jobs/<int:job_id>/", jobs.job_progress, {"model": ImportJob}, name="import_job"),
    path("campaigns/<int:campaign_id>/generate/", generation.generate, name="generate"),
    path("campaigns/<int:campaign_id>/generate/decide/", generation.decide_many, name="generate_decide"),
    path("generation-jobs/<int:job_id>/", jobs.job_progress, {"model": GenerationJob}, name="generation_job"),
    path("generation-jobs/<int:job_id>/cancel/", generation.cancel, name="cancel_generation"),
    path("suggestions/<int:suggestion_id>/edit/", generation.edit, name="suggestion_edit"),
    path("suggestions/<int:suggestion_id>/validate/", generation.validate, name="suggestion_validate"),
    path("campaigns/", campaign_list_page.campaign_list, name="campaigns"),
    path("campaigns/<int:campaign_id>/", structure.campaign_detail, name="campaign"),
    path("ad-groups/<int:ad_group_id>/", structure.ad_group_detail, name="ad_group"),
    path("members/", members.members, name="members"),
    path("members/invite/", members.invite, name="invite_member"),
    path("members/invitations/<int:invitation_id>/revoke/", members.revoke_invitation, name="revoke_invitation"),
    path("invitations/<str:token>/", invitation_page.accept_invitation, name="accept_invitation"),
    path("members/<int:membership_id>/", members.change_member, name="change_member"),
    path("settings/", settings_page.settings_page, name="settings"),
]
