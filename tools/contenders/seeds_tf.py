"""(b) The seeds' TensorFlow recipe: TFAutoModelForSequenceClassification,
`padding="max_length"` tokenization, `Dataset.to_tf_dataset`, fp32 `fit`
with Adam. The weights are loaded as tfft does (transformers' TF
`from_pretrained` cannot read PyTorch safetensors without torch,
transformers#40028); everything else is the tutorial recipe."""

import os

from contenders import workload as wl


def run(w):
    clock = wl.Clock()
    import datasets
    import tf_keras
    import transformers
    from safetensors.numpy import load_file
    from transformers.modeling_tf_pytorch_utils import (
        load_pytorch_state_dict_in_tf2_model,
    )

    tf_keras.utils.set_random_seed(w["seed"])
    model_dir = w["model_dir"]
    tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)
    train = datasets.Dataset.from_list(wl.read_rows(w["train_file"]))
    train = train.map(lambda b: tokenizer(
        b["text"], padding="max_length", truncation=True,
        max_length=w["max_length"]), batched=True)
    config = transformers.AutoConfig.from_pretrained(model_dir, num_labels=2)
    model = transformers.TFAutoModelForSequenceClassification.from_config(
        config)
    model(model.dummy_inputs, training=False)
    load_pytorch_state_dict_in_tf2_model(
        model, load_file(os.path.join(model_dir, "model.safetensors")),
        allow_missing_keys=True)
    tf_train = train.to_tf_dataset(
        columns=["input_ids", "attention_mask", "token_type_ids"],
        label_cols="label", batch_size=w["batch_size"], shuffle=True,
        collate_fn=transformers.DefaultDataCollator(return_tensors="np"))
    model.compile(
        optimizer=tf_keras.optimizers.Adam(learning_rate=w["learning_rate"]),
        loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    with clock.off():  # the benchmark's test batches
        test = wl.read_rows(w["test_file"])
        batches = wl.tf_test_batches(model_dir, test,
                                     w["max_length"])
        labels = [r["label"] for r in test]
    evaluate = lambda m: wl.tf_accuracy(m, batches, labels)  # noqa: E731
    model.fit(tf_train, epochs=w["epochs"], verbose=0, callbacks=[
        wl.keras_clock(clock, evaluate, w["eval_every"], w["target"])])
    return wl.result(clock, w, evaluate(model),
                     "TFAutoModelForSequenceClassification, "
                     "padding=max_length, to_tf_dataset, fp32 Adam")
