from django.urls import path, re_path

from . import views

urlpatterns = [
    path("deposits", views.deposit, name="deposit"),
    path("withdrawals", views.withdrawal, name="withdrawal"),
    path("instruments", views.instruments, name="instruments"),
    path("orders", views.orders, name="orders"),
    path("orders/<int:order_id>", views.order, name="order"),
    path("book/<str:symbol>", views.book, name="book"),
    path("trades/<str:symbol>", views.trades, name="trades"),
    path("balances", views.balances, name="balances"),
    re_path(r"^.*$", views.not_found, name="not_found"),  # last: a JSON 404 for the rest of /api/
]
