# URL patterns under /o/<org_slug>/ for surveys and feedback; included by surveys/urls.py.
from django.urls import path

from surveys import views_surveys as views

org_urlpatterns = [
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/mine/", views.my_surveys, name="my_surveys"),
    path("surveys/answer/<str:token>/", views.survey_answer, name="survey_answer"),
    path("surveys/<int:pk>/", views.survey_edit, name="survey_edit"),
    path("surveys/<int:pk>/activate/", views.survey_activate, name="survey_activate"),
    path("surveys/<int:pk>/close/", views.survey_close, name="survey_close"),
    path("surveys/<int:pk>/copy/", views.survey_duplicate, name="survey_duplicate"),
    path("surveys/<int:pk>/results/", views.survey_results, name="survey_results"),
    path("surveys/<int:pk>/results.csv", views.survey_results_csv, name="survey_results_csv"),
    path("feedback/", views.feedback, name="feedback"),
    path("feedback/inbox/", views.feedback_list, name="feedback_list"),
    path("feedback/<int:pk>/handle/", views.feedback_handle, name="feedback_handle"),
]
