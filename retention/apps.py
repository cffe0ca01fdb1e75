from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete

        from retention import people

        pre_delete.connect(people.forget_chat_of_deleted_user, sender=get_user_model(),
                           dispatch_uid="retention.forget_chat_of_deleted_user")
