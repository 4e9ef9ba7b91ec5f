from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from campaigns.api import auth, budgets, docs, exports, generation, views

router = DefaultRouter()
router.register("organizations", views.OrganizationViewSet)
router.register("memberships", views.MembershipViewSet)
router.register("invitations", views.InvitationViewSet)
router.register("campaigns", views.CampaignViewSet)
router.register("ad-groups", views.AdGroupViewSet)
router.register("keywords", views.KeywordViewSet)
router.register("ads", views.AdViewSet)
router.register("daily-metrics", views.DailyMetricViewSet)
router.register("search-terms", views.SearchTermViewSet)
router.register("suggestions", views.SuggestionViewSet)
router.register("imports", views.ReportImportViewSet)
router.register("import-jobs", views.ImportJobViewSet)
router.register("budget-plans", budgets.BudgetPlanViewSet)
router.register("budget-changes", budgets.BudgetChangeViewSet)
router.register("generation-jobs", generation.GenerationJobViewSet)

urlpatterns = [
    path("", include(router.urls)),
    path("exports/google-editor/", exports.GoogleEditorExportView.as_view(), name="export-google-editor"),
    path("exports/microsoft-bulk/", exports.MicrosoftBulkExportView.as_view(), name="export-microsoft-bulk"),
    path("exports/google-ads-payloads/", exports.GoogleAdsPayloadsView.as_view(), name="export-google-ads-payloads"),
    path("exports/google-ads/send/", exports.GoogleAdsSendView.as_view(), name="export-google-ads-send"),
    path("account-imports/", exports.AccountImportView.as_view(), name="account-import"),
    path("auth/token/", auth.TokenLoginView.as_view(), name="api-token"),
    path("auth/logout/", auth.TokenLogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", auth.TokenLogoutAllView.as_view(), name="api-logout-all"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # the split view serves its start-up script as a file (?script): the Content-Security-Policy runs no inline script
    path("docs/", docs.ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", docs.ApiRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
