"""Mounted at the site root: the patient's pages under /app/, the staff's under /ui/hoi-dap/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from . import app_views, staff_views

staff = ([
    path("", staff_views.queue_view, name="queue"),
    path("<int:question_id>/", staff_views.thread_view, name="thread"),
    path("<int:question_id>/dong/", staff_views.close_view, name="close"),
    path("<int:question_id>/anh/<str:binary_id>/", staff_views.photo_view, name="photo"),
    path("<int:question_id>/video/", staff_views.video_view, name="video"),
    path("<int:question_id>/video/<int:video_id>/", staff_views.join_view, name="join"),
], "questions")

app = ([
    path("ho-so/<int:profile_id>/hoi-bac-si/", app_views.questions, name="list"),
    path("ho-so/<int:profile_id>/hoi-bac-si/<int:question_id>/", app_views.thread, name="thread"),
    path("ho-so/<int:profile_id>/hoi-bac-si/<int:question_id>/anh/<str:binary_id>/", app_views.photo, name="photo"),
    path("ho-so/<int:profile_id>/hoi-bac-si/<int:question_id>/video/<int:video_id>/", app_views.join_video,
         name="join"),
    path("hoi-bac-si/<int:question_id>/", app_views.open_question, name="open"),
], "questions_app")

urlpatterns: list[URLPattern | URLResolver] = [
    path("ui/hoi-dap/", include(staff)),
    path("app/", include(app)),
]
