"""URLs of the public map pages (mounted at the site root)."""

from django.urls import path

from apps.maps import dashboards, views

app_name = "maps"

urlpatterns = [
    path("map/", views.map_page, name="map"),
    path("map/search/", views.search, name="search"),
    path("maps/styles/<slug:layer_id>.sld", views.style_sld, name="style-sld"),
    path("maps/styles/<slug:layer_id>.json", views.style_json, name="style-json"),
    path("near-me/", views.near_me_page, name="near-me"),
    path("api/v1/near-me/", views.near_me_api, name="near-me-api"),
    path("places/producers/<slug:slug>/", views.producer_page, name="producer"),
    path("places/products/<slug:slug>/", views.product_page, name="product"),
    path("places/zones/<int:pk>/", views.zone_page, name="zone"),
    path("places/growing-area-codes/<int:pk>/", views.growing_area_code_page, name="growing-area-code"),
    path("places/packing-facilities/<int:pk>/", views.packing_facility_page, name="packing-facility"),
    path("places/sales-points/<int:pk>/", views.sales_point_page, name="sales-point"),
    path("places/tourism-sites/<int:pk>/", views.tourism_site_page, name="tourism-site"),
    path("dashboards/", dashboards.dashboard_page, name="dashboards"),
    path("dashboards/<slug:figure>.csv", dashboards.dashboard_csv, name="dashboard-csv"),
]
