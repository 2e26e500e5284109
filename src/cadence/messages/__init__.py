"""Messages: definitions, sandboxed Jinja2 personalisation and content blocks chosen by conditions.

    message = store.get(uow, "spring-offer")
    rendered = service.render_for(uow=uow, message_key="spring-offer", contact_id=7,
                                  now=now_millis(), links=MessageLinks(...))

The template context is documented in ``context.py``; the sandbox rules in ``sandbox.py``.
"""
