"""(c) keras-hub's `BertTextClassifier` from the same checkpoint folder,
with its default preprocessing (static padding to the preprocessor's
sequence length, set to the workload's max length) and its `fit`."""

from contenders import workload as wl


def run(w):
    clock = wl.Clock()
    import os

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import keras_hub
    import tensorflow as tf

    keras.utils.set_random_seed(w["seed"])
    classifier = keras_hub.models.BertTextClassifier.from_preset(
        w["model_dir"], num_classes=2)
    classifier.preprocessor.sequence_length = w["max_length"]
    classifier.compile(
        optimizer=keras.optimizers.Adam(learning_rate=w["learning_rate"]),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    train = wl.read_rows(w["train_file"])
    data = tf.data.Dataset.from_tensor_slices(
        ([r["text"] for r in train], [r["label"] for r in train]))
    data = data.shuffle(len(train), seed=w["seed"]).batch(w["batch_size"])
    test = wl.read_rows(w["test_file"])
    texts = [r["text"] for r in test]
    labels = [r["label"] for r in test]

    def evaluate(model):
        return wl.accuracy(model.predict(tf.constant(texts), batch_size=64,
                                         verbose=0),
                           labels)

    classifier.fit(data, epochs=w["epochs"], verbose=0, callbacks=[
        wl.keras_clock(clock, evaluate, w["eval_every"], w["target"])])
    return wl.result(clock, w, evaluate(classifier),
                     "keras_hub.models.BertTextClassifier, default "
                     "preprocessor (static length), fp32 Adam")
