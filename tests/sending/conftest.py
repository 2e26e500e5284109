from tests.campaigns.factory import mail_client, mail_settings, mailbox

__all__ = ["mail_client", "mail_settings", "mailbox"]
