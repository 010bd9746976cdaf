"""System checks of the kernel (``manage.py check``, and ``migrate``, which the web
container runs at start): with ``S3_BUCKET`` set, the bucket must answer, so a wrong
endpoint, key or bucket name stops the start with a message instead of failing the first
upload."""

from django.core import checks
from django.core.files.storage import storages

STORAGE_TAG = "storage"


@checks.register(STORAGE_TAG)
def bucket_is_reachable(app_configs, **kwargs):
    storage = storages["private"]
    bucket_name = getattr(storage, "bucket_name", None)
    if not bucket_name:
        return []  # the local disk
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        storage.connection.meta.client.head_bucket(Bucket=bucket_name)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        reason = {
            "404": "does not exist",
            "NoSuchBucket": "does not exist",
            "403": "refuses these credentials",
        }.get(code, f"answered {code or error}")
        return [
            checks.Error(
                f"The bucket S3_BUCKET={bucket_name!r} {reason}.",
                hint="Create the bucket (private), and check S3_ENDPOINT_URL, S3_ACCESS_KEY_ID and "
                "S3_SECRET_ACCESS_KEY (README, Object storage).",
                id="mentorship.E101",
            )
        ]
    except (BotoCoreError, ValueError) as error:
        return [
            checks.Error(
                f"The object storage for S3_BUCKET={bucket_name!r} cannot be reached: {error}",
                hint="Check S3_ENDPOINT_URL and that the storage service is up (README, Object storage).",
                id="mentorship.E102",
            )
        ]
    return []
