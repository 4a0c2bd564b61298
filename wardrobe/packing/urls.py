from django.urls import path

from wardrobe.packing import views

app_name = "packing"

urlpatterns = [
    path("trips/", views.trip_list, name="trip-list"),
    path("trips/<int:trip_id>/", views.trip_detail, name="trip-detail"),
    path("trips/<int:trip_id>/items/add/", views.item_add, name="item-add"),
    path("trips/items/<int:packing_item_id>/packed/", views.item_packed, name="item-packed"),
    path("trips/items/<int:packing_item_id>/remove/", views.item_remove, name="item-remove"),
    path("trips/<int:trip_id>/propose/", views.trip_propose, name="trip-propose"),
    path("trips/<int:trip_id>/plan/", views.trip_plan, name="trip-plan"),
    path("trips/<int:trip_id>/delete/", views.trip_delete, name="trip-delete"),
]
