"""New accounts start with the studio's default channels (ChannelDefaults).

Only accounts people create themselves (sign-up): staff and scripts that create a
user with explicit choices keep them. The user row is written by accounts' service.
"""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from accounts import services as accounts
from notifications.models import ChannelDefaults


@receiver(user_signed_up, dispatch_uid="notifications.default_channels")
def apply_default_channels(sender, request, user, **kwargs) -> None:
    defaults = ChannelDefaults.current()
    accounts.set_notification_channels(
        user=user, actor=None, email=defaults.email, sms=defaults.sms, whatsapp=defaults.whatsapp
    )
