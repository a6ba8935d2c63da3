from django.apps import AppConfig


class Ambon112Config(AppConfig):
    name = "ambon112"
    verbose_name = "Ambon 112"
