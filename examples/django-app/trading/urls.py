from django.urls import path

from . import views

urlpatterns = [
    path("deposits", views.deposit, name="deposit"),
    path("orders", views.orders, name="orders"),
    path("orders/<int:order_id>", views.order, name="order"),
    path("book/<str:symbol>", views.book, name="book"),
    path("trades/<str:symbol>", views.trades, name="trades"),
    path("balances", views.balances, name="balances"),
]
