"""tfft-card --workdir=RUN [--repo_id=NAME] [--language=en] [--license=ID]

Writes the run's model card, RUN/README.md: the Hub's YAML header (with a
model-index of the run's metrics) and the card's text (`tfft.card`).
"""

from absl import flags

from tfft.cli import common

_WORKDIR = flags.DEFINE_string("workdir", None, "A finished run folder.")
_REPO_ID = flags.DEFINE_string(
    "repo_id", "", "The repo the card will live in (its loading snippets "
    "name it); default a <repo_id> placeholder.")
_LANGUAGE = flags.DEFINE_string(
    "language", "", "ISO 639-1 code of the data; default: the bundled "
    "corpus's, else none.")
_LICENSE = flags.DEFINE_string(
    "license", "", "Hub license id; default: the bundled base model's, "
    "else 'other'.")


def main(argv):
    del argv
    common.require_flags(workdir=_WORKDIR.value)
    from tfft import card

    path = card.write(_WORKDIR.value, _REPO_ID.value, _LANGUAGE.value,
                      _LICENSE.value)
    print(path)


def run():
    common.run_app(main, outputs=lambda: [_WORKDIR.value])


if __name__ == "__main__":
    run()
