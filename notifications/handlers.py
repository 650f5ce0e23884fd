"""New accounts start with the studio's default channels (ChannelDefaults).

Only accounts people create themselves (sign-up): staff and scripts that create a
user with explicit choices keep them.
"""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from notifications.models import ChannelDefaults


@receiver(user_signed_up, dispatch_uid="notifications.default_channels")
def apply_default_channels(sender, request, user, **kwargs) -> None:
    defaults = ChannelDefaults.current()
    wanted = {"notify_email": defaults.email, "notify_sms": defaults.sms, "notify_whatsapp": defaults.whatsapp}
    changed = {field: value for field, value in wanted.items() if getattr(user, field) != value}
    if changed:
        type(user).objects.filter(pk=user.pk).update(**changed)
        for field, value in changed.items():
            setattr(user, field, value)
