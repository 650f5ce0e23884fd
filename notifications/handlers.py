"""New accounts start with the studio's default channels (ChannelDefaults)."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from notifications.models import ChannelDefaults


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="notifications.default_channels")
def apply_default_channels(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Only at creation, and only where the studio's default differs from the model's."""
    if not created or raw:
        return
    defaults = ChannelDefaults.current()
    wanted = {"notify_email": defaults.email, "notify_sms": defaults.sms, "notify_whatsapp": defaults.whatsapp}
    changed = {field: value for field, value in wanted.items() if getattr(instance, field) != value}
    if changed:
        sender.objects.filter(pk=instance.pk).update(**changed)
        for field, value in changed.items():
            setattr(instance, field, value)
