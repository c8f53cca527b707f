import pytest

from tfft import config as config_lib
from tfft.errors import UserError


def valid():
    c = config_lib.default_config()
    c.data.train_files = "train.csv"
    return c


@pytest.mark.parametrize("edit, message", [
    (lambda c: setattr(c.model, "family", "torch"), "model.family"),
    (lambda c: setattr(c.model, "head", "native"), "only for"),
    (lambda c: setattr(c.data, "train_files", ""), "no training data"),
    (lambda c: setattr(c.data, "dataset", "bundled:trec"), "keep one"),
    (lambda c: setattr(c.data, "text_columns", "a,b,c"), "text_columns"),
    (lambda c: setattr(c.train, "epochs", 0), "train.epochs"),
    (lambda c: setattr(c.train, "learning_rate", -1.0), "learning_rate"),
    (lambda c: setattr(c.train, "strategy", "horovod"), "train.strategy"),
    (lambda c: setattr(c.data, "max_length", 4), "max_length"),
    (lambda c: setattr(c.train, "precision", "fp8"), "train.precision"),
    (lambda c: setattr(c.train, "clip_norm", -1.0), "train.clip_norm"),
    (lambda c: setattr(c.train, "head_lr_multiplier", 0.0),
     "train.head_lr_multiplier"),
    (lambda c: setattr(c.train, "layer_lr_decay", 1.5), "layer_lr_decay"),
    (lambda c: setattr(c.train, "layer_lr_decay", 0.0), "layer_lr_decay"),
    (lambda c: setattr(c.data, "bucket_lengths", "32,x"), "bucket_lengths"),
    (lambda c: setattr(c.data, "bucket_lengths", "32,256"), "bucket_lengths"),
    (lambda c: setattr(c.data, "bucket_lengths", "4,64"), "bucket_lengths"),
    (lambda c: setattr(c.export, "mode", "best"), "export.mode"),
    (lambda c: setattr(c.train, "monitor_mode", "up"), "train.monitor_mode"),
    (lambda c: setattr(c.train, "early_stopping_patience", -1), "patience"),
    (lambda c: setattr(c.model, "freeze_layers", -2), "freeze_layers"),
    (lambda c: (setattr(c.model, "lora_rank", 4),
                setattr(c.model, "family", "hf")), "keras_hub only"),
    (lambda c: (setattr(c.model, "lora_rank", 4),
                setattr(c.model, "freeze_layers", 2)), "already freezes"),
    (lambda c: setattr(c.train, "unfreeze_per_epoch", 1), "freeze_layers"),
    (lambda c: (setattr(c.model, "family", "hf"),
                setattr(c.model, "freeze_layers", 2),
                setattr(c.train, "unfreeze_per_epoch", 1),
                setattr(c.train, "grad_accumulation", 2)), "not supported"),
])
def test_validate_rejects_with_one_line(edit, message):
    c = valid()
    edit(c)
    with pytest.raises(UserError, match=message) as e:
        config_lib.validate(c)
    assert "\n" not in str(e.value)


def test_validate_accepts_defaults_with_data():
    assert config_lib.validate(valid()) is not None


def test_locked_config_rejects_unknown_key_and_wrong_type():
    c = valid()
    c.lock()
    with pytest.raises(AttributeError):
        c.data.trian_files = "x"
    with pytest.raises(TypeError):
        c.train.epochs = "three"


def test_json_round_trip_and_unknown_key():
    c = valid()
    c.train.epochs = 7
    c.model.family = "hf"
    back = config_lib.from_json(config_lib.to_json(c))
    assert back.train.epochs == 7 and back.model.family == "hf"
    assert back.to_dict() == c.to_dict()
    with pytest.raises(UserError, match="schema"):
        config_lib.from_json('{"data": {"nope": 1}}')


def test_split_list():
    assert config_lib.split_list(" a, b,,c ") == ["a", "b", "c"]
    assert config_lib.split_list("") == []


def test_bucket_lengths_always_end_at_max_length():
    c = valid()
    assert config_lib.bucket_lengths(c.data) == []
    c.data.bucket_lengths = "64, 32"
    assert config_lib.bucket_lengths(c.data) == [32, 64, 128]
    c.data.bucket_lengths = "128"
    assert config_lib.bucket_lengths(c.data) == [128]


def test_a_config_file_cannot_set_a_misspelt_key_or_return_a_dict():
    c = valid()  # as a config file edits default_config(): unlocked
    c.train.epoch = 1
    with pytest.raises(UserError) as e:
        config_lib.validate(c)
    assert str(e.value).startswith(
        "unknown config key 'train.epoch'; did you mean 'epochs'? train has:")
    assert str(e.value).endswith("(set by the config file)")
    with pytest.raises(UserError, match="the config is a dict, not an "
                       "ml_collections.ConfigDict; get_config"):
        config_lib.validate(valid().to_dict())


def test_a_damaged_run_config_is_one_line(tmp_path):
    (tmp_path / "config.json").write_text('{"task": "classifi')
    with pytest.raises(UserError, match=r"config.json cannot be read as "
                       r"JSON \(.*\): the run folder is damaged"):
        config_lib.load_run_config(str(tmp_path))
