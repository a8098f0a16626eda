from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError):
    """Show a service's ValidationError on the form, against the field it names if any."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
