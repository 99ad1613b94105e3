"""The warning that deploy/, what Alexa gets, is older than the content being run.

After an edit to intents/content, ``closer resolve`` and ``closer rehearse`` already
hear the new words, but the interaction models in deploy/ still hold the old ones
until ``closer build-model`` runs. So ``serve``, ``resolve`` and ``rehearse`` say so in
one line before their output, and go on. The comparison is build-model's own
(:func:`skill.authoring.interaction_model.stale_files`), with the addresses the
package already carries, so only a change of content counts, never the environment.
It takes a few milliseconds; ``python -m tests.bench_stale_deploy`` measures it.
"""

from __future__ import annotations

from pathlib import Path

from intents import CONTENT_DIR, Catalogue

WARNING = "closer: deploy/ is stale (content changed since the last build): run closer build-model"


def stale_deploy_warning(
    catalogue: Catalogue, content: Path | None, deploy_dir: Path | None = None
) -> str | None:
    """Return :data:`WARNING` if ``deploy_dir`` is not what build-model would write, else None.

    Only the checkout's own content is compared (``content`` None, or the shipped
    folder): other content (``--content DIR``) was never meant to be in deploy/. The
    folder compared is the checkout's deploy/ unless ``deploy_dir`` says otherwise
    (tests give a temporary one); an installed package has none, and is never warned.
    """
    from skill.authoring.deploy_settings import deploy_settings
    from skill.authoring.interaction_model import DEPLOY_DIR, in_checkout, stale_files

    if content is not None and content.resolve() != CONTENT_DIR.resolve():
        return None
    if deploy_dir is None:
        if not in_checkout():
            return None
        deploy_dir = DEPLOY_DIR
    settings = deploy_settings({}, deploy_dir)
    return WARNING if stale_files(catalogue, deploy_dir, settings) else None
