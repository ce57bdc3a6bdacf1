"""Inputs inferred from a model_fn's own code (static, no TensorFlow): feature keys, dtypes and
shapes, params, and labels read through helpers."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from estimator_fix.validation.inference import FeatureGuess, infer, infer_features, infer_params
from estimator_fix.validation.inference.arguments import argument_values
from estimator_fix.validation.inference.imports import imported_functions
from estimator_fix.validation.inference.params import COLUMNS, EXPRESSION
from estimator_fix.validation.inputs import label_hint_in, plan
from estimator_fix.validation.options import ValidationOptions

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "validation" / "inferred"


def parsed(source: str) -> tuple[ast.Module, ast.FunctionDef]:
    tree = ast.parse(textwrap.dedent(source))
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "model_fn")
    return tree, function


def features_of(source: str) -> dict[str | None, FeatureGuess]:
    tree, function = parsed(source)
    return {guess.key or guess.key_expression: guess for guess in infer_features(tree, function)}


def test_keys_read_with_what_the_code_does_with_them() -> None:
    found = features_of(
        """
        import tensorflow as tf
        KEY = "pixels"
        SIDE = 28

        def model_fn(features, labels, mode, params):
            images = tf.reshape(features[KEY], [-1, SIDE, SIDE, 1])
            day = tf.one_hot(features["day"], 7)
            size = tf.cast(features.get("size"), tf.float64)
            ids = features["ids"]
            vectors = tf.nn.embedding_lookup(table, ids)
            name = features[FLAGS.name_key]
            for column in ("a", "b"):
                tf.compat.v1.layers.dense(features[column], 1)
            outputs, _ = tf.nn.dynamic_rnn(cell, vectors, sequence_length=features["length"])
            rows = tf.nn.embedding_lookup(table, tf.reshape(features["rows"], [-1]))
            return tf.estimator.EstimatorSpec(mode, predictions=images)
        """
    )
    assert found["length"].dtype == "int32" and found["length"].shape == ()  # one per example
    assert found["rows"].dtype == "int32"  # ids, through the reshape (which says the shape)
    assert found["rows"].shape == ()
    assert "ids of embedding_lookup() (through reshape())" in found["rows"].origin
    assert found["pixels"].shape == ("(SIDE) * (SIDE) * 1",)  # evaluated by the worker: 784
    assert found["pixels"].dtype is None
    assert found["day"].dtype == "int32" and found["day"].shape == ()
    assert found["size"].dtype == "float64"
    assert found["ids"].dtype == "int32"  # through the alias `ids`
    assert found["FLAGS.name_key"].key is None  # an expression the worker evaluates
    assert set(found) >= {"a", "b"}
    assert "reshaped to [-1, SIDE, SIDE, 1]" in found["pixels"].origin


def test_literal_shapes_multiply_out_and_a_batch_dimension_may_be_named() -> None:
    found = features_of(
        """
        def model_fn(features, labels, mode):
            a = tf.reshape(features["a"], [-1, 3, 4])
            b = tf.reshape(features["b"], [params["batch_size"], 5])
            c = tf.reshape(features["c"], [2, -1])
            d = tf.compat.v1.layers.conv2d(features["d"], 4, 3)
            return spec
        """
    )
    assert found["a"].shape == (12,)
    assert found["b"].shape == (5,)
    assert found["c"].shape is None  # the batch is not first: unknown
    assert found["d"].shape == (None, None, None)  # an image batch (the worker tries sizes)


def test_columns_parse_specs_and_placeholders_anywhere_in_the_module() -> None:
    found = features_of(
        """
        import tensorflow as tf
        SPEC = {"raw": tf.io.FixedLenFeature([3], tf.int64), "tags": tf.io.VarLenFeature(tf.string)}

        def serving():
            return {"img": tf.compat.v1.placeholder(tf.uint8, [None, 8, 8])}

        def model_fn(features, labels, mode, params):
            columns = [
                tf.feature_column.numeric_column("price", shape=[2]),
                tf.feature_column.categorical_column_with_vocabulary_list("city", ["a", "b"]),
                tf.feature_column.categorical_column_with_identity("bucket", 10),
            ]
            net = tf.compat.v1.feature_column.input_layer(features, columns)
            return spec
        """
    )
    assert (found["price"].dtype, found["price"].shape) == ("float32", (2,))
    assert found["city"].dtype == "string" and found["bucket"].dtype == "int64"
    assert (found["raw"].dtype, found["raw"].shape) == ("int64", (3,))
    assert found["tags"].sparse and found["tags"].dtype == "string"
    assert (found["img"].dtype, found["img"].shape) == ("uint8", (8, 8))


def test_a_generator_dataset_declares_each_feature_dtype_and_shape() -> None:
    """``Dataset.from_generator``'s output_types / output_shapes (or output_signature) say what
    each feature of an example is, over what the model_fn's uses guess."""
    found = features_of(
        """
        import tensorflow as tf

        def input_fn():
            return tf.data.Dataset.from_generator(
                generate,
                ({"text": tf.int32, "mel": tf.float32}, tf.int32),
                output_shapes=({"text": tf.TensorShape([None]), "mel": [None, 80]}, []),
            )

        def other_input_fn():
            return tf.data.Dataset.from_generator(
                generate,
                output_signature={"lengths": tf.TensorSpec(shape=(1,), dtype=tf.int64)},
            )

        def model_fn(features, labels, mode, params):
            text = tf.cast(features["text"], tf.float32)
            lengths = features["lengths"][:, 0]
            return spec(features["mel"], text, lengths)
        """
    )
    assert (found["text"].dtype, found["text"].shape) == ("int32", (None,))
    assert (found["mel"].dtype, found["mel"].shape) == ("float32", (None, 80))
    assert (found["lengths"].dtype, found["lengths"].shape) == ("int64", (1,))
    assert "from_generator output_types" in found["text"].origin


def test_helpers_given_features_are_read_too() -> None:
    found = features_of(
        """
        def tower(inputs, depth):
            return tf.reshape(inputs["signal"], [-1, 16])

        def model_fn(features, labels, mode, params):
            net = tower(features, 3)
            return spec
        """
    )
    assert found["signal"].shape == (16,)


def test_a_single_tensor_is_inferred_only_when_its_code_says_something() -> None:
    said = features_of(
        """
        def model_fn(features, labels, mode):
            x = tf.reshape(features, [-1, 99, 161, 1])
            return spec
        """
    )
    assert said[None].shape == (99 * 161,) and said[None].key is None
    # A dense layer takes a batch of float vectors (of a size it does not say); a split along
    # the features' axis says their size.
    vectors = features_of(
        """
        def model_fn(features, labels, mode):
            logits = tf.compat.v1.layers.dense(features, 3)
            return spec
        """
    )
    assert (vectors[None].dtype, vectors[None].shape) == ("float32", (None,))
    keras = features_of(
        """
        def model_fn(features, labels, mode):
            logits = Dense(10, input_dim=784)(features)
            return spec
        """
    )
    assert keras[None].shape == (784,) and "the input of Dense()" in keras[None].origin
    parts = features_of(
        """
        def model_fn(features, labels, mode):
            board, last, ko = tf.split(features, [81 * 4, 1, 2], axis=1)
            return spec
        """
    )
    assert parts[None].shape == (327,) and "split into [81 * 4, 1, 2]" in parts[None].origin
    steps = features_of(
        """
        STEPS = 8

        def model_fn(features, labels, mode):
            x = tf.split(features["series"], STEPS, 1)
            return spec
        """
    )
    assert steps["series"].shape == ("STEPS",)  # the worker evaluates it: 8 steps of 1
    opaque = features_of(
        """
        def model_fn(features, labels, mode):
            logits = model(features)
            first, second = tf.split(features, 2)
            return spec
        """
    )
    assert opaque == {}


def test_a_layers_declared_input_shape_is_the_shape_of_what_it_is_called_on() -> None:
    """A layer's ``input_shape=`` says the per-example shape outright, whether the layer is
    called where it is built or bound to a name and called later."""
    declared = features_of(
        """
        def model_fn(features, labels, mode, params):
            steps = GRU(16, input_shape=(params["maxlen"], 12), return_sequences=True)(features)
            return spec
        """
    )
    assert declared[None].shape == ("params['maxlen']", 12)
    assert "input_shape=(params['maxlen'], 12)" in declared[None].origin
    later = features_of(
        """
        def model_fn(features, labels, mode, params):
            recurrent = tf.keras.layers.LSTM(8, input_shape=(10, 3))
            dense = tf.keras.layers.Dense(2)
            outputs = dense(recurrent(features["series"]))
            return spec
        """
    )
    assert later["series"].shape == (10, 3)


def test_a_matrix_product_with_a_variable_says_the_vector_size() -> None:
    """``tf.matmul(x, W)``: x holds vectors of W's first size, W made in the call or bound once
    (``tf.Variable`` of a filled shape, ``tf.get_variable`` with its shape)."""
    bound = features_of(
        """
        def model_fn(features, labels, mode):
            W = tf.Variable(tf.zeros([784, 10]))
            y = tf.matmul(features, W) + b
            return spec
        """
    )
    assert bound[None].shape == (784,) and bound[None].dtype == "float32"
    assert "[784, 10] variable" in bound[None].origin
    inline = features_of(
        """
        def model_fn(features, labels, mode, params):
            y = tf.matmul(features["x"], tf.get_variable("w", shape=[params["n"], 3]))
            return spec
        """
    )
    assert inline["x"].shape == ("params['n']",)
    transposed = features_of(
        """
        def model_fn(features, labels, mode):
            W = tf.Variable(tf.zeros([784, 10]))
            y = tf.matmul(features["x"], W, transpose_b=True)
            return spec
        """
    )
    assert transposed["x"].shape is None


def test_a_sequential_models_input_is_its_first_layers() -> None:
    """A Keras ``Sequential`` called on the features hands them to its first layer: that
    layer's ``input_shape=``, or its kind (a 2-D convolution takes images), says their shape."""
    declared = features_of(
        """
        def model_fn(features, labels, mode, params):
            model = tf.keras.Sequential(
                [
                    tf.keras.layers.Conv2D(32, 3, input_shape=(28, 28, 1)),
                    tf.keras.layers.Flatten(),
                    tf.keras.layers.Dense(10),
                ]
            )
            logits = model(features, training=False)
            return spec
        """
    )
    assert declared[None].shape == (28, 28, 1)
    assert "whose first layer is Conv2D()" in declared[None].origin
    images = features_of(
        """
        def model_fn(features, labels, mode, params):
            logits = tf.keras.Sequential([tf.keras.layers.Conv2D(8, 3), Dense(2)])(features["x"])
            return spec
        """
    )
    assert images["x"].spatial == 2


def test_a_helper_parameter_bound_again_is_no_longer_the_feature() -> None:
    """``sentence = tf.nn.embedding_lookup(table, sentence)`` in a helper: the ids the helper
    was handed are looked up; what the name holds after (the embedded words, given to a
    convolution) says nothing of the feature."""
    found = features_of(
        """
        def cnn(sentence, table):
            sentence = tf.nn.embedding_lookup(
                table, sentence)
            sentence = tf.expand_dims(sentence, -1)
            return tf.compat.v1.layers.conv2d(sentence, 3, [2, 100])

        def towers(text, table):
            return cnn(text, table)

        def model_fn(features, labels, mode, params):
            logits = towers(features["text"], params["table"])
            return spec
        """
    )
    assert found["text"].dtype == "int32" and "ids of embedding_lookup()" in found["text"].origin
    assert not found["text"].spatial and found["text"].shape is None


def test_a_feature_handed_to_a_helper_is_read_there() -> None:
    found = features_of(
        """
        def network(images, training):
            flat = tf.reshape(images, [-1, 28, 28, 1])
            return tf.compat.v1.layers.conv2d(flat, 4, 3)

        def towers(ids):
            return network(tf.nn.embedding_lookup(table, ids), True)

        def model_fn(features, labels, mode):
            logits = network(features["pixels"], mode == "train")
            other = towers(features["words"])
            return spec
        """
    )
    assert found["pixels"].shape == (784,) and "line 3: reshaped to" in found["pixels"].origin
    assert found["words"].dtype == "int32"  # ids in the helper it reaches through another


def test_a_model_object_called_on_features_is_read_in_the_method_the_call_runs() -> None:
    """``model = Net(...)`` then ``model(features, training)``: what ``Net.__call__`` does with
    its input (handed on to the module's helpers) says what the features are; a Keras model's
    ``call`` is what its instances' call runs; an instance of a class that is not called, or a
    library layer, says nothing new."""
    whole = features_of(
        """
        def _conv(inputs, filters):
            return tf.compat.v1.layers.conv2d(inputs=inputs, filters=filters, kernel_size=3)

        class Net:
            def __init__(self, filters):
                self.filters = filters

            def __call__(self, inputs, training):
                return _conv(inputs, self.filters)

        def model_fn(features, labels, mode, params):
            model = Net(params.filters)
            logits = model(features, mode == "train")
            return spec
        """
    )
    assert whole[None].shape == (None, None, None) and whole[None].spatial == 2
    assert "an image batch for conv2d()" in whole[None].origin
    keyed = features_of(
        """
        class Tower(tf.keras.Model):
            def call(self, x, training=False):
                return tf.reshape(x, [-1, 28, 28, 1])

        class Unused:
            def method(self, x):
                return tf.reshape(x, [-1, 5])

        def model_fn(features, labels, mode):
            a = Tower()(features["a"], training=True)
            b = Unused()
            c = tf.keras.layers.Dense(3)(features["c"])
            return spec
        """
    )
    assert keyed["a"].shape == (784,) and "reshaped to" in keyed["a"].origin
    assert keyed["c"].shape == (None,)


def test_a_copy_of_a_helpers_parameter_is_read_until_either_is_bound_again() -> None:
    """``net = inputs`` in a helper, then ``net = conv2d(net, ...)`` in a loop: the first read
    of the copy is the image the helper was handed; a copy bound again before it is read, or
    one made after the parameter itself was bound again, says nothing of the feature."""
    found = features_of(
        """
        def tower(inputs, widths):
            net = inputs
            for width in widths:
                net = tf.compat.v1.layers.conv2d(net, width, 3)
            return net

        def rebound(inputs):
            net = inputs
            net = tf.nn.embedding_lookup(table, other)
            return tf.compat.v1.layers.conv2d(net, 4, 3)

        def late(inputs):
            inputs = tf.nn.embedding_lookup(table, other)
            net = inputs
            return tf.reshape(net, [-1, 7])

        def model_fn(features, labels, mode):
            x = tower(features["x"], [8, 16])
            y = rebound(features["y"])
            z = late(features["z"])
            return spec
        """
    )
    assert found["x"].spatial == 2 and "line 5: an image batch for conv2d()" in found["x"].origin
    assert found["y"].shape is None and found["z"].shape is None


def test_an_index_along_several_axes_shows_the_rank_where_nothing_says_the_shape() -> None:
    """``inputs[:, t, :]`` (a recurrent model's step): the feature's examples are of rank 2, of
    sizes the worker chooses; a reshape says more; an ellipsis or a new axis says no rank."""
    found = features_of(
        """
        def model_fn(features, labels, mode, params):
            inputs = features["series"]
            for t in range(5):
                out, state = cell(inputs[:, t, :], state)
            first = features["flat"][:, 0]
            flat = tf.reshape(features["flat"], [-1, 6])
            last = features["picked"][..., 0]
            grown = features["grown"][:, None]
            return spec
        """
    )
    assert found["series"].shape == (None, None)
    assert "indexed as inputs[:, t, :]" in found["series"].origin
    assert found["flat"].shape == (6,)
    assert found["picked"].shape is None and found["grown"].shape is None


def test_specs_added_by_key_and_helpers_defined_inside_the_model_fn_are_read() -> None:
    """BERT's SQuAD shape: the training-only positions are added to the parse spec by key
    (``name_to_features["start"] = FixedLenFeature([], tf.int64)``), and the model_fn hands
    them to a loss helper it defines itself, which one-hot encodes them."""
    found = features_of(
        """
        def input_fn_builder(is_training):
            name_to_features = {"ids": tf.io.FixedLenFeature([8], tf.int64)}
            if is_training:
                name_to_features["start"] = tf.io.FixedLenFeature([], tf.int64)
            return name_to_features

        def model_fn(features, labels, mode, params):
            def compute_loss(logits, positions):
                return tf.one_hot(positions, depth=8) * logits

            start = features["start"]
            loss = compute_loss(features["ids"], start)
            return spec
        """
    )
    assert found["start"].dtype == "int64" and found["start"].shape == ()
    assert "ids of one_hot()" in found["start"].origin
    assert "'start': FixedLenFeature(...)" in found["start"].origin


def test_helpers_imported_from_the_repository_are_read_too(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "model" / "layers.py").write_text(
        "def build(is_training, inputs, params):\n"
        "    image = tf.reshape(inputs['image'], [-1, 28, 28, 1])\n"
        "    return tf.compat.v1.layers.dense(image, params['units'])\n",
        encoding="utf-8",
    )
    source = textwrap.dedent(
        """
        from model.layers import build as build_model
        from model.missing import nothing

        def model_fn(features, labels, mode, params):
            logits = build_model(mode == "train", features, params)
            return spec
        """
    )
    path = tmp_path / "model" / "model_fn.py"
    path.write_text(source, encoding="utf-8")
    tree = ast.parse(source)
    imported = imported_functions(tree, path, [path.parent, tmp_path])
    assert set(imported) == {"build_model"}
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    found = infer(tree, function, imported)
    assert [(g.key, g.shape) for g in found.features] == [("image", (784,))]
    assert [(p.key, p.value) for p in found.params] == [("units", 4)]
    assert infer(tree, function).features == ()  # without them: nothing


def test_imported_classes_and_functions_call_their_own_modules_helpers(tmp_path: Path) -> None:
    """An imported function's or method's body calls the helpers of the module it was read
    from (``unet`` calling its module's ``conv_pool``), not those of the model_fn's module: an
    instance of an imported class called on a feature, by name or through its module, is read
    in its ``__call__``, and the helpers it calls in its own module."""
    (tmp_path / "nets.py").write_text(
        textwrap.dedent(
            """
            def conv_pool(inputs, n):
                net = inputs
                return tf.compat.v1.layers.conv2d(net, n, 3)

            def flat(inputs):
                return tf.reshape(inputs, [-1, 12])

            def unet(inputs, training):
                return conv_pool(inputs, 64)

            class Net:
                def __init__(self, size):
                    self.size = size

                def __call__(self, inputs):
                    return flat(inputs)
            """
        ),
        encoding="utf-8",
    )
    source = textwrap.dedent(
        """
        import nets
        from nets import Net as Network, unet

        def flat(inputs):
            return inputs

        def model_fn(features, labels, mode, params):
            a = unet(features["a"], True)
            b = Network(4)(features["b"])
            model = nets.Net(4)
            c = model(features["c"])
            return spec
        """
    )
    path = tmp_path / "run.py"
    path.write_text(source, encoding="utf-8")
    tree = ast.parse(source)
    imported = imported_functions(tree, path, [tmp_path])
    assert {"unet", "Network", "Network.__call__", "nets.Net.__call__"} <= set(imported)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "model_fn")
    found = {g.key: g for g in infer(tree, function, imported).features}
    assert found["a"].spatial == 2 and "an image batch for conv2d()" in found["a"].origin
    assert found["b"].shape == found["c"].shape == (12,)
    assert {g.key: g.shape for g in infer(tree, function).features} == dict.fromkeys("abc")


def test_modules_imported_whole_are_read_through_their_attributes(tmp_path: Path) -> None:
    """``import modeling`` (or ``from pkg import modeling``), then ``modeling.Model(config=c)``:
    what the class does with the config (a copy of it read by attribute) says what the
    builder's argument is; a module of no file here adds nothing."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "heads.py").write_text("def head(x, n):\n    return x\n", "utf-8")
    (tmp_path / "modeling.py").write_text(
        textwrap.dedent(
            """
            import copy

            class Model:
                def __init__(self, config, is_training):
                    config = copy.deepcopy(config)
                    if not is_training:
                        config.dropout_prob = 0.0
                    self.out = dense(config.hidden_size, activation=config.hidden_act)
                    self.drop = config.dropout_prob
            """
        ),
        encoding="utf-8",
    )
    source = textwrap.dedent(
        """
        import modeling
        import numpy as np
        from pkg import heads as output_heads

        def create(config, training):
            return modeling.Model(config=config, is_training=training)

        def builder(model_config, num_labels):
            def model_fn(features, labels, mode, params):
                model = create(model_config, mode == "train")
                return output_heads.head(model, num_labels)
            return model_fn
        """
    )
    path = tmp_path / "run.py"
    path.write_text(source, encoding="utf-8")
    tree = ast.parse(source)
    imported = imported_functions(tree, path, [tmp_path])
    assert set(imported) == {"modeling.Model", "output_heads.head"}
    builder = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "builder")
    found = argument_values(tree, builder, "model_config", None, imported)
    assert found == {"dropout_prob": 0.01, "hidden_act": "relu", "hidden_size": 4}
    assert argument_values(tree, builder, "model_config") is None  # without them: nothing


def test_a_warm_up_is_fewer_steps_than_training_and_an_act_is_an_activation() -> None:
    """``(1 - warmup / steps) ** power`` divides by zero when both are guessed alike."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            rate = decay(params["num_train_steps"], params["num_warmup_steps"])
            hidden = dense(features, activation=get(params["hidden_act"]))
            return spec
        """
    )
    values = {p.key: p.value for p in infer_params(tree, function)}
    assert values == {"hidden_act": "relu", "num_train_steps": 10, "num_warmup_steps": 1}


def test_params_are_guessed_from_their_use_and_names() -> None:
    tree, function = parsed(
        """
        MODELS = {"linear": linear, "dnn": dnn}

        def linear(features, params):
            return tf.compat.v1.layers.dense(features["x"], params["n_classes"])

        def model_fn(features, labels, mode, params):
            logits = MODELS[params["model"]](features, params)
            if params["batch_norm"]:
                logits = norm(logits)
            keep = 1.0 if params["eval_mode"] else params["keep_prob"]
            if params.get("warm_start", None) is not None:
                restore(params["warm_start"])
            image = tf.reshape(features["x"], tuple([-1]) + params["dims"])
            volume = tf.reshape(features["v"], [-1] + params["volume_shape"] + [1])
            if params["kind"] == "wide":
                pass
            optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=params["lr"])
            hidden = tf.compat.v1.layers.dense(logits, units=params["width"])
            left = params.get("optional", 3)
            mystery = params["mystery"]
            dropped = helper(hidden, params["dropout"])
            return spec
        """
    )
    guessed = {guess.key: guess.value for guess in infer_params(tree, function)}
    assert guessed == {
        "model": "linear",  # a key of the dict it indexes
        "n_classes": 10,  # read in the helper it picks
        "batch_norm": False,  # a condition
        "eval_mode": False,  # the test of a conditional expression
        "keep_prob": 1.0,  # one of its values: a keep probability, by its name
        "warm_start": None,  # compared with None: absent, as the code's default has it
        "dims": (4,),  # added to a tuple: the sizes of a shape
        "volume_shape": [4],  # added to lists
        "kind": "wide",  # the string it is compared with
        "lr": 0.01,  # passed as learning_rate=
        "width": 4,  # passed as units=
        "mystery": 4,  # no better guess
        "dropout": 0.01,  # a rate, by its name (a dropout of 4 does not build)
    }


def test_params_read_through_a_name_bound_to_them_are_guessed() -> None:
    """``args = params`` then ``args["debug"]``: the keys read through the alias are params'."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            args = params
            settings = args
            if args["debug"]:
                pass
            hidden = tf.compat.v1.layers.dense(features["x"], units=settings["width"])
            return spec
        """
    )
    guessed = {guess.key: guess.value for guess in infer_params(tree, function)}
    assert guessed == {"debug": False, "width": 4}


def test_params_named_as_tensorflow_names_its_settings_get_such_values() -> None:
    """A layout, a dtype, a version and a scope name by the values TensorFlow takes for them
    (a count of 4 is no data_format, no dtype, no variable scope)."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            return shared(
                features, labels, mode,
                data_format=params["data_format"],
                dtype=params["dtype"],
                resnet_version=params["resnet_version"],
                scope=params["scope"],
                resnet_size=params["resnet_size"],
            )
        """
    )
    guessed = {guess.key: guess.value for guess in infer_params(tree, function)}
    assert guessed == {
        "data_format": "channels_last",
        "dtype": "float32",
        "resnet_version": 1,
        "scope": "scope",
        "resnet_size": 4,
    }


def test_params_read_as_attributes_are_guessed_and_marked() -> None:
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            net = tf.compat.v1.layers.dense(features["x"], params.hidden_size)
            optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=params.learning_rate)
            optional = params.get("optional", 3)
            mapped = params["n_classes"]
            return params.values()
        """
    )
    guessed = {guess.key: guess for guess in infer_params(tree, function)}
    assert {key: g.value for key, g in guessed.items()} == {
        "hidden_size": 4,
        "learning_rate": 0.01,
        "n_classes": 10,
    }  # params.get(...) and params.values() are the mapping's methods, not keys
    assert guessed["hidden_size"].attribute and guessed["learning_rate"].attribute
    assert not guessed["n_classes"].attribute


def test_labels_handed_to_a_helper_are_inferred_there() -> None:
    tree, function = parsed(
        """
        def errors(features, labels, predictions):
            return tf.compat.v1.losses.mean_squared_error(labels, predictions)

        def model_fn(features, labels, mode):
            predictions = tf.compat.v1.layers.dense(features["x"], 1)
            loss = errors(features, labels, predictions)
            return spec
        """
    )
    hint = label_hint_in(tree, function)
    assert hint is not None and hint.dtype == "float32" and hint.like is None
    assert hint.origin.endswith("in errors()")


def test_a_file_without_input_function_is_planned_from_what_its_model_fn_reads() -> None:
    path = FIXTURE / "no_input_fn.py"
    found = plan(path, path.read_bytes(), ValidationOptions())
    assert found.synthetic
    inferred = found.inferred["model_fn"]
    assert {g.key for g in inferred.features} == {"pixels", "weekday", "price"}
    assert {p.key for p in inferred.params} == {"num_classes", "learning_rate"}


def test_the_inferred_inputs_travel_as_json() -> None:
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            return tf.reshape(features["x"], [-1, params["size"]]) * params["learning_rate"]
        """
    )
    data = infer(tree, function).to_json()
    assert data["features"] == [
        {
            "key": "x",
            "key_expression": None,
            "dtype": None,
            "shape": ["params['size']"],
            "sparse": False,
            "origin": "line 3: features['x']; line 3: reshaped to [-1, params['size']]",
            "spatial": 0,
            "channels_first": False,
        }
    ]
    assert data["params"] == [
        {
            "key": "learning_rate",
            "value": 0.01,
            "origin": "line 3: params['learning_rate']",
            "attribute": False,
            "dimension": False,
        },
        {
            "key": "size",
            "value": 4,
            "origin": "line 3: params['size']",
            "attribute": False,
            "dimension": True,
        },
    ]


def test_nested_params_become_dicts() -> None:
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            size = params["train"]["batch_size"] * params["train"]["cores"]
            if params["train"]["optimizer"]["type"] == "adam":
                rate = params["train"]["optimizer"]["learning_rate"]
            return spec
        """
    )
    (guess,) = infer_params(tree, function)
    assert guess.key == "train"
    assert guess.value == {
        "batch_size": 4,
        "cores": 4,
        "optimizer": {"type": "adam", "learning_rate": 0.01},
    }


def test_params_take_the_shape_their_use_asks_for() -> None:
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            deep = list(map(int, params["deep_layers"].split(",")))
            keep = list(map(float, params["keep_probs"].split(";")))
            names = params["names"].split()
            layers = params["layers"]
            first = tf.compat.v1.get_variable("w", [4, layers[0]])
            units = params["units"]
            for width in units:
                pass
            sizes = params.sizes
            count = len(sizes)
            rate = params["rate"]
            scaled = rate * 2
            if rate > 0.5:
                pass
            kind = params["kind"]
            if kind == "wide":
                pass
            return spec
        """
    )
    guessed = {guess.key: guess for guess in infer_params(tree, function)}
    assert {key: g.value for key, g in guessed.items()} == {
        "deep_layers": "4,4",  # split on its separator, items made ints
        "keep_probs": "0.01;0.01",  # items made floats
        "names": "4 4",  # split on whitespace
        "layers": [4, 4],  # a local indexed as a list
        "units": [4, 4],  # a local iterated
        "sizes": [4, 4],  # by attribute, measured with len()
        "rate": 0.01,  # a local whose first telling use is a comparison with a number: its name
        "kind": "wide",  # a local compared with a string
    }
    assert "split into items" in guessed["deep_layers"].origin
    assert guessed["sizes"].attribute


def test_reshape_sizes_bound_to_locals_are_read_through_them() -> None:
    found = features_of(
        """
        def model_fn(features, labels, mode, params):
            field_size = params["field_size"]
            width = field_size * 2
            ids = tf.reshape(features["ids"], [-1, field_size])
            vals = tf.reshape(features["vals"], [-1, width, 1])
            steps = compute()
            other = tf.reshape(features["other"], [-1, steps])
            return spec
        """
    )
    assert found["ids"].shape == ("params['field_size']",)
    assert found["vals"].shape == ("(params['field_size'] * 2) * 1",)
    assert found["other"].shape == ("steps",)  # a call: not inlined, the worker cannot know it
    assert "reshaped to [-1, field_size]" in found["ids"].origin  # the code as written


def test_labels_by_their_parameter_and_without_what_expand_dims_adds() -> None:
    tree, function = parsed(
        """
        def model_fn(features, targets, mode, params):
            logits = tf.compat.v1.layers.dense(features["x"], 1)
            targets = tf.expand_dims(targets, 1)
            loss = tf.compat.v1.losses.sigmoid_cross_entropy(targets, logits)
            return spec
        """
    )
    hint = label_hint_in(tree, function)
    assert hint is not None
    assert (hint.dtype, hint.like, hint.expanded) == ("float32", "logits", 1)
    assert hint.to_json()["expanded"] == 1


def test_labels_handed_through_a_cast_in_place_are_the_labels() -> None:
    """``mean_squared_error(tf.cast(labels, tf.float32), predictions)``: the cast is the labels,
    and the other operand (not the cast) says their shape."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            predictions = tf.reshape(tf.compat.v1.layers.dense(features["x"], 1), [-1])
            loss = tf.compat.v1.losses.mean_squared_error(tf.cast(labels, tf.float32), predictions)
            return spec
        """
    )
    hint = label_hint_in(tree, function)
    assert hint is not None
    assert (hint.dtype, hint.like) == ("float32", "predictions")


def test_one_item_of_the_labels_handed_to_a_helper_says_what_they_are() -> None:
    """``tower_labels[i]`` (labels as a list, one batch per device tower) handed to a helper:
    the helper's use of it is the labels' hint; an item by a constant index is not."""
    source = """
        def tower(logits, label):
            return tf.compat.v1.losses.sparse_softmax_cross_entropy(logits=logits, labels=label)

        def model_fn(features, labels, mode, params):
            tower_labels = labels
            losses = []
            for i in range(2):
                losses.append(tower(tf.compat.v1.layers.dense(features[i], 10), %s))
            return spec
        """
    tree, function = parsed(source % "tower_labels[i]")
    hint = label_hint_in(tree, function)
    assert hint is not None and hint.dtype == "int32", hint
    assert hint.origin.endswith("in tower()")
    tree, function = parsed(source % "tower_labels[0]")
    assert label_hint_in(tree, function) is None


def test_params_handed_on_as_feature_columns_are_guessed_as_columns() -> None:
    """A params value handed where feature columns go (``input_layer``'s second argument,
    ``feature_columns=``, ``DenseFeatures``' first), directly or through a local, is marked for
    the worker to make into numeric columns; a value merely beside them is not."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            wide = tf.compat.v1.feature_column.input_layer(features, params["wide"])
            deep_columns = params["deep"]
            deep = tf.compat.v1.feature_column.input_layer(features, feature_columns=deep_columns)
            dense = tf.keras.layers.DenseFeatures(params["dense"])(features)
            other = tf.compat.v1.feature_column.input_layer(params["features"], [])
            return spec
        """
    )
    guessed = {guess.key: guess for guess in infer_params(tree, function)}
    columns = {COLUMNS: 2}
    assert guessed["wide"].value == columns
    assert "handed on as feature columns" in guessed["wide"].origin
    assert guessed["deep"].value == columns and guessed["dense"].value == columns
    assert guessed["features"].value == 4


def test_an_options_object_in_params_is_guessed_field_by_field() -> None:
    """``opts = params["opts"]`` read by attribute (and handed to a helper that reads more of
    it) or by key (``run["catalog_size"]``) is a dict of guesses, one per field; a value only
    called methods of (``name.lower()``) is a plain value, one indexed by a number a list;
    ``enumerate``/``zip`` of a value make it a list."""
    tree, function = parsed(
        """
        def body(net, options):
            return tf.compat.v1.layers.dense(net, options.width)

        def model_fn(features, labels, mode, params):
            opts = params["opts"]
            name = params["name"]
            scope = name.lower()
            run = params["run"]
            ids = tf.range(0, run["catalog_size"])
            layers = params["layers"]
            first = layers[0]
            for index, units in enumerate(opts.hidden_units):
                pass
            if opts.use_bn:
                pass
            net = body(features["x"], opts)
            for a, b in zip(params["sizes"], params["rates"]):
                pass
            return spec
        """
    )
    guessed = {guess.key: guess.value for guess in infer_params(tree, function)}
    assert guessed["opts"] == {"hidden_units": [4, 4], "use_bn": False, "width": 4}
    assert guessed["name"] == 4
    assert guessed["run"] == {"catalog_size": 4} and guessed["layers"] == [4, 4]
    assert guessed["sizes"] == [4, 4] and guessed["rates"] == [0.01, 0.01]


def test_a_read_that_says_more_of_a_param_wins() -> None:
    """``check(params["feature_columns"])`` says nothing (a count), nor more than a list where
    the helper iterates them (``for column in columns``); a later
    ``input_layer(features, params["feature_columns"])`` says they are columns."""
    tree, function = parsed(
        """
        def count_columns(columns):
            for column in columns:
                pass

        def model_fn(features, labels, mode, params):
            count = check(params["feature_columns"])
            total = count_columns(params["wide_columns"])
            net = tf.compat.v1.feature_column.input_layer(features, params["feature_columns"])
            wide = tf.compat.v1.feature_column.linear_model(features, params["wide_columns"])
            return spec
        """
    )
    guessed = {guess.key: guess for guess in infer_params(tree, function)}
    assert guessed["feature_columns"].value == {COLUMNS: 2}
    assert not guessed["feature_columns"].fallback
    assert guessed["wide_columns"].value == {COLUMNS: 2}


def test_a_shape_set_on_a_feature_is_its_shape() -> None:
    """``x.set_shape([None, n])`` and ``tf.ensure_shape(x, [None, 2, 3])`` declare the shape
    per example (not flattened, as a reshape's element count is); sizes read through a local
    bound to params are evaluated with the params."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            opts = params["opts"]
            records = features["records"]
            records.set_shape([None, opts.window])
            grid = tf.ensure_shape(features["grid"], [None, 2, 3])
            flat = tf.reshape(features["flat"], [-1, 2, 3])
            return spec
        """
    )
    found = {guess.key: guess.shape for guess in infer_features(tree, function)}
    assert found["records"] == ("params['opts'].window",)
    assert found["grid"] == (2, 3)
    assert found["flat"] == (6,)


def test_a_param_compared_with_a_constant_takes_it_from_the_module() -> None:
    """``params["loss"] == keys.LossType.CE`` or ``== LOSS_CE``: the worker evaluates the
    constant in the module; a comparison with a local name says nothing."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            if params["loss"] == keys.LossType.CE:
                pass
            if params["kind"] == WIDE:
                pass
            other = make()
            if params["size"] == other:
                pass
            return spec
        """
    )
    guessed = {guess.key: guess.value for guess in infer_params(tree, function)}
    assert guessed["loss"] == {EXPRESSION: "keys.LossType.CE"}
    assert guessed["kind"] == {EXPRESSION: "WIDE"}
    assert guessed["size"] == 4


def test_a_name_rebound_to_a_part_of_itself_ends() -> None:
    """``cfg = params["cfg"]`` then ``cfg = cfg["model"]``: each rebinding nests one level
    deeper; the reading stops at a bound depth instead of recursing without end."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            cfg = params["cfg"]
            cfg = cfg["model"]
            width = cfg["width"]
            return spec
        """
    )
    (guess,) = infer_params(tree, function)
    assert guess.key == "cfg" and isinstance(guess.value, dict)


def test_a_param_handed_to_a_helper_is_guessed_from_its_use_there() -> None:
    """``make_encoder(params["activation"], params["layer_sizes"])``: the helper iterates its
    ``layer_sizes`` (a list) and hands ``activation`` on as a layer's activation (a name Keras
    takes); a value the helper says nothing of keeps the guess from its name."""
    tree, function = parsed(
        """
        def make_encoder(activation, layer_sizes, extra):
            net = tf.keras.Sequential()
            for units in layer_sizes:
                net.add(tf.keras.layers.Dense(units, activation=activation))
            return net

        def model_fn(features, labels, mode, params):
            encoder = make_encoder(params["activation"], params["layer_sizes"], extra=params["n"])
            return spec
        """
    )
    guessed = {guess.key: guess for guess in infer_params(tree, function)}
    assert guessed["layer_sizes"].value == [4, 4]
    assert "layer_sizes iterated as a list" in guessed["layer_sizes"].origin
    assert guessed["activation"].value == "relu"
    assert guessed["n"].value == 4


def test_labels_read_by_key_give_the_keys_of_a_dict_of_labels() -> None:
    """``labels["click"]`` (also through a local, ``labels.get``, or in a helper handed the
    labels): a dict of labels by those keys, shaped by the first loss that reads one."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            clicked = labels["click"]
            loss = tf.compat.v1.losses.log_loss(clicked, tf.sigmoid(logits))
            bought = labels.get("buy")
            return spec
        """
    )
    hint = label_hint_in(tree, function)
    assert hint is not None and hint.keys == ("click", "buy")
    assert hint.like == "tf.sigmoid(logits)"
    tree, function = parsed(
        """
        def losses(logits, targets):
            return tf.reduce_sum(targets["ctr"] * logits)

        def model_fn(features, labels, mode, params):
            loss = losses(logits, labels)
            return spec
        """
    )
    hint = label_hint_in(tree, function)
    assert hint is not None and hint.keys == ("ctr",) and "losses()" in hint.origin
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            loss = tf.compat.v1.losses.log_loss(labels, logits)
            first = labels[:, 0]
            return spec
        """
    )
    hint = label_hint_in(tree, function)
    assert hint is not None and hint.keys == ()  # sliced, not read by key


def test_params_got_without_a_default_are_guessed_like_subscripts() -> None:
    """``params.get("k")`` is None where params lack the key, and the code uses it as the value
    it expects: guessed as ``params["k"]`` would be; a real default says the key may be absent."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            cell = rnn(params.get("hidden_size"), params.get("keep_prob", None))
            rate = params.get("learning_rate", 0.1)
            layers = params.get("layers")
            first = layers[0]
            return spec
        """
    )
    guessed = {guess.key: guess.value for guess in infer_params(tree, function)}
    assert guessed == {"hidden_size": 4, "keep_prob": 1.0, "layers": [4, 4]}


def test_labels_sliced_along_their_axes_are_the_labels() -> None:
    """``clabels = labels[:, :10]`` keeps the labels' rank: the loss that reads it says what they
    are; an index (``labels[:, 0]``) drops an axis and is not taken as them."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            clabels = labels[:, :10]
            loss = tf.nn.softmax_cross_entropy_with_logits_v2(logits=logits, labels=clabels)
            return spec
        """
    )
    hint = label_hint_in(tree, function)
    assert hint is not None and hint.like == "logits" and hint.dtype == "float32"
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            first = labels[:, 0]
            loss = tf.nn.softmax_cross_entropy_with_logits_v2(logits=logits, labels=first)
            return spec
        """
    )
    assert label_hint_in(tree, function) is None


def test_labels_sliced_in_place_are_shaped_as_what_is_sliced_alike() -> None:
    """``softmax_cross_entropy(labels["pred"][:, :-2], logits[:, :-2])``: the labels (under
    their key) are as ``logits`` is, both cut the same way; cut otherwise, as the other operand
    is given; an index in place drops an axis and is not taken as them."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            loss = tf.losses.softmax_cross_entropy(labels["pred"][:, :-2], logits[:, :-2])
            return spec
        """
    )
    hint = label_hint_in(tree, function)
    assert hint is not None and (hint.like, hint.dtype, hint.keys) == (
        "logits",
        "float32",
        ("pred",),
    )
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            loss = tf.losses.mean_squared_error(labels[:, :3], predictions[:, 1:4])
            return spec
        """
    )
    hint = label_hint_in(tree, function)
    assert hint is not None and hint.like == "predictions[:, 1:4]"
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            loss = tf.losses.mean_squared_error(labels[:, 0], predictions[:, 0])
            return spec
        """
    )
    assert label_hint_in(tree, function) is None


def test_params_a_variable_starts_from_are_a_matrix() -> None:
    """Pretrained vectors handed in params (``get_variable("emb", initializer=params["wv"])``,
    ``tf.Variable(params["table"])``) are a small matrix; an initializer given with a shape is
    an initializer, not a value."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            emb = tf.compat.v1.get_variable(name="emb", initializer=params["wv"], trainable=False)
            table = tf.Variable(params["table"])
            kernel = tf.compat.v1.get_variable("k", [4, 4], initializer=params["init"])
            rate = tf.Variable(params["learning_rate"], trainable=False)
            vectors = tf.compat.v1.get_variable("v", initializer=params["wv_weight"])
            decay = tf.Variable(params["weight_decay"], trainable=False)
            return spec
        """
    )
    guessed = {guess.key: guess.value for guess in infer_params(tree, function)}
    matrix = [[0.01] * 4] * 4
    assert guessed["wv"] == matrix and guessed["table"] == matrix
    assert guessed["wv_weight"] == matrix  # named for weights: a matrix, not a rate
    assert guessed["weight_decay"] == 0.01
    assert guessed["init"] != matrix
    assert guessed["learning_rate"] == 0.01  # a variable of a rate: its name says what it is


def test_a_keep_probability_keyword_wins_over_the_keys_name() -> None:
    """``DropoutWrapper(cell, output_keep_prob=params["dropout"])``: a probability to keep (1.0),
    though the key is named for what is dropped."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            cell = DropoutWrapper(cell, output_keep_prob=params["dropout"])
            return spec
        """
    )
    (guess,) = infer_params(tree, function)
    assert guess.value == 1.0 and "as output_keep_prob=" in guess.origin


def test_a_params_value_handed_as_an_initializer_is_the_default() -> None:
    """``embed_sequence(ids, vocab_size=..., embed_dim=..., initializer=params["init"])`` or
    ``kernel_initializer=params["k"]``: None, the library's default initializer (not a number,
    which no initializer argument takes)."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            words = tf.contrib.layers.embed_sequence(
                features["ids"], vocab_size=100, embed_dim=8, initializer=params["init"])
            out = tf.layers.dense(words, 2, kernel_initializer=params["dense_init"])
            return spec
        """
    )
    guessed = {guess.key: guess for guess in infer_params(tree, function)}
    assert guessed["init"].value is None and "as initializer=" in guessed["init"].origin
    assert guessed["dense_init"].value is None


def test_a_params_value_bound_to_a_local_that_keys_a_dict_is_one_of_its_keys() -> None:
    """``choice = params["net"]`` then ``NETS[choice]`` (the dict in reach: the module's, or
    the function's own): the dict's first key."""
    tree, function = parsed(
        """
        OPTIMIZERS = {"sgd": 1, "adam": 2}

        def model_fn(features, labels, mode, params):
            nets = {"small": small, "large": large}
            choice = params["net"]
            net = nets[choice]
            name = params["optimizer"]
            optimizer = OPTIMIZERS[name]
            return spec
        """
    )
    guessed = {guess.key: guess.value for guess in infer_params(tree, function)}
    assert guessed == {"net": "small", "optimizer": "sgd"}


def test_a_class_handed_a_params_value_says_what_it_is_in_init_or_methods() -> None:
    """``Layer(params["drop"])``: the class's ``__init__`` (read with its methods) hands it on as
    a keep probability; its ``is not None`` guard says nothing of it."""
    tree, function = parsed(
        """
        class Layer:
            def __init__(self, keep, width):
                self.width = width
                if keep is not None:
                    self.cell = DropoutWrapper(cell, input_keep_prob=keep)

            def call(self, inputs):
                for units in self.width:
                    inputs = dense(inputs, units)
                return inputs

        def model_fn(features, labels, mode, params):
            net = Layer(params["drop"], params["layers"])(features)
            return spec
        """
    )
    guessed = {guess.key: guess.value for guess in infer_params(tree, function)}
    assert guessed == {"drop": 1.0, "layers": [4, 4]}


def test_labels_unpacked_into_parts_are_a_tuple_whose_first_part_the_hint_describes() -> None:
    """``labels, names = labels``: the labels are a tuple of two; the hint (from the loss the
    first part feeds) says what that part is. Without unpacking, no parts."""
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            predictions = tf.layers.dense(features, 1)
            labels, names = labels
            loss = tf.losses.mean_squared_error(labels, predictions)
            return spec
        """
    )
    hint = label_hint_in(tree, function)
    assert hint is not None and hint.parts == 2 and hint.to_json()["parts"] == 2
    assert hint.like == "predictions"
    tree, function = parsed(
        """
        def model_fn(features, labels, mode, params):
            first, second = features
            labels, names = labels[0], labels[1]
            return spec
        """
    )
    assert label_hint_in(tree, function) is None


def test_a_dimension_named_as_a_size_that_nothing_here_computes_gets_a_size() -> None:
    """``FixedLenFeature([seq_length])`` in an input builder whose argument the job gives: not
    a sequence of 1 (a softmax over its one position is 0 whatever the model computes), but
    the size a dimension's name gets; one the model_fn's names compute is theirs."""
    import types

    from estimator_fix.validation.worker.inferred import _dimension

    assert _dimension("seq_length", {}) == 4
    assert _dimension("FLAGS.max_seq_length", {}) == 4
    flags = types.SimpleNamespace(max_seq_length=128)
    assert _dimension("FLAGS.max_seq_length", {"FLAGS": flags}) == 128
    assert _dimension("n", {}) is None and _dimension(7, {}) == 7 and _dimension(-1, {}) is None


def test_a_layout_compared_with_channels_first_is_still_the_one_the_cpu_runs() -> None:
    """``if data_format == "channels_first":`` in the network builder says only that both are
    handled: the guess is the layout TensorFlow's CPU kernels take (a ResNet copy failed on
    "AvgPoolingOp only supports NHWC on device type CPU" once the builder was read)."""
    tree, function = parsed(
        """
        def network(inputs, data_format):
            if data_format == "channels_first":
                inputs = tf.transpose(inputs, [0, 3, 1, 2])
            return inputs

        def model_fn(features, labels, mode, params):
            logits = network(features, params["data_format"])
            kind = params["kind"] == "wide"
            return spec
        """
    )
    values = {p.key: p.value for p in infer_params(tree, function)}
    assert values == {"data_format": "channels_last", "kind": "wide"}


def test_a_feature_given_an_axis_is_what_its_use_says_less_that_axis() -> None:
    """``x = tf.expand_dims(features, -1)`` then a 3-D convolution of ``x``: the features are
    volumes without their channel axis (three sizes the worker chooses); an image feature given
    its channel axis at 3 is two sizes; ``squeeze`` drops sizes of 1, which synthetic inputs do
    not have: the use after it says the shape; ``expand_dims`` at an axis not written out leaves
    the shape unknown."""
    volumes = features_of(
        """
        def model_fn(features, labels, mode, params):
            x = tf.expand_dims(features, -1)
            y = tf.layers.conv3d(x, filters=1, kernel_size=3)
            return spec
        """
    )
    assert (volumes[None].shape, volumes[None].spatial) == ((None, None, None), 3)
    assert "volumes for conv3d() (through expand_dims())" in volumes[None].origin
    images = features_of(
        """
        def model_fn(features, labels, mode, params):
            x = tf.expand_dims(features["img"], 3)
            y = tf.compat.v1.layers.conv2d(x, 4, 3)
            return spec
        """
    )
    assert (images["img"].shape, images["img"].spatial) == ((None, None), 2)
    squeezed = features_of(
        """
        def model_fn(features, labels, mode, params):
            x = tf.squeeze(features["img"])
            y = tf.compat.v1.layers.conv2d(x, 4, 3)
            z = tf.keras.layers.Conv3D(4, 3)(features["vol"])
            return spec
        """
    )
    assert (squeezed["img"].shape, squeezed["img"].spatial) == ((None, None, None), 2)
    assert (squeezed["vol"].shape, squeezed["vol"].spatial) == ((None,) * 4, 3)
    unknown = features_of(
        """
        def model_fn(features, labels, mode, params):
            x = tf.expand_dims(features["img"], params["axis"])
            y = tf.compat.v1.layers.conv2d(x, 4, 3)
            return spec
        """
    )
    assert unknown["img"].shape is None


def test_a_convolution_that_puts_the_channels_first_is_given_images_so() -> None:
    """``data_format="channels_first"`` (or ``"NCHW"``) on the convolution that reads the
    feature: its spatial sizes are the trailing ones; through ``expand_dims`` at the channel
    axis, both remaining sizes are spatial."""
    found = features_of(
        """
        def model_fn(features, labels, mode, params):
            a = tf.compat.v1.layers.conv2d(features["a"], 4, 3, data_format="channels_first")
            b = tf.keras.layers.Conv2D(4, 3, data_format="channels_first")(features["b"])
            c = tf.nn.conv2d(features["c"], w, [1, 1, 1, 1], "SAME", data_format="NCHW")
            grey = tf.expand_dims(features["d"], 1)
            d = tf.compat.v1.layers.conv2d(grey, 4, 3, data_format="channels_first")
            e = tf.compat.v1.layers.conv2d(features["e"], 4, 3, data_format="channels_last")
            return spec
        """
    )
    for key in "abc":
        assert (found[key].shape, found[key].spatial) == ((None, None, None), 2), key
        assert found[key].channels_first, key
        assert "(channels first)" in found[key].origin, key
    assert (found["d"].shape, found["d"].spatial, found["d"].channels_first) == (
        (None, None),
        2,
        True,
    )
    assert not found["e"].channels_first and found["e"].spatial == 2


def test_the_worker_sizes_images_and_volumes_and_keeps_their_known_sizes() -> None:
    from estimator_fix.validation.worker.inferred import (
        IMAGE_SIZES,
        VOLUME_SIZES,
        sizes,
        spatial_shape,
    )

    image = {"template": [None, None, None], "spatial": 2}
    assert spatial_shape(image, 32) == [32, 32, 3] and sizes(image) == IMAGE_SIZES
    grey = {"template": [None, None], "spatial": 2}
    assert spatial_shape(grey, 64) == [64, 64]
    volume = {"template": [None, None, None, None], "spatial": 3}
    assert spatial_shape(volume, 16) == [16, 16, 16, 1] and sizes(volume) == VOLUME_SIZES
    channels = {"template": [None, None, 5], "spatial": 2}
    assert spatial_shape(channels, 64) == [64, 64, 5]
    first = {"template": [None, None, None], "spatial": 2, "channels_first": True}
    assert spatial_shape(first, 32) == [3, 32, 32]
    grey_first = {"template": [1, None, None], "spatial": 2, "channels_first": True}
    assert spatial_shape(grey_first, 28) == [1, 28, 28]
    volume_first = {"template": [None, None, None, None], "spatial": 3, "channels_first": True}
    assert spatial_shape(volume_first, 16) == [1, 16, 16, 16]


def test_ids_hashed_as_strings_after_unique_values_in_a_helper_are_strings() -> None:
    """``values, index = tf.unique(tf.reshape(ids, [-1]))`` in a helper, then the values
    hashed: the feature is strings. ``tf.split`` is not a string op (``tf.strings.split`` is);
    a name bound to a reshape in a helper carries its use back, until it is bound again."""
    found = features_of(
        """
        import tensorflow as tf

        def _embed(raw, table):
            values, index = tf.unique(tf.reshape(raw, [-1]))
            rows = tf.strings.to_hash_bucket_strong(values, 2 ** 20, [1, 2])
            return tf.gather(tf.gather(table, rows), index)

        def _words(text):
            flat = tf.reshape(text, [-1])
            return tf.strings.split(flat)

        def _halves(pair):
            flat = tf.reshape(pair, [-1, 2])
            flat = tf.zeros([3])
            return tf.split(flat, 2, axis=1), tf.strings.split(flat)

        def model_fn(features, labels, mode, params):
            vectors = _embed(features["ids"], params["table"])
            words = _words(features["text"])
            halves = _halves(features["pair"])
            return tf.estimator.EstimatorSpec(mode, predictions=vectors)
        """
    )
    assert found["ids"].dtype == "string"
    assert "strings for to_hash_bucket_strong() (through unique())" in found["ids"].origin
    assert found["text"].dtype == "string"
    assert found["pair"].dtype is None


def test_features_concatenated_then_hashed_are_strings_each() -> None:
    """``tf.concat([features["a"], b], axis=1)`` reshaped, made unique and hashed: each feature
    concatenated is strings; a stack fed to a dense layer is floats each."""
    found = features_of(
        """
        import tensorflow as tf

        def model_fn(features, labels, mode, params):
            sequence = features["sequence"]
            joined = tf.concat([features["fields"], sequence], axis=1)
            values, index = tf.unique(tf.reshape(joined, (-1,)))
            rows = tf.strings.to_hash_bucket_fast(values, 1000)
            dense = tf.compat.v1.layers.dense(tf.stack((features["u"], features["v"]), 1), 8)
            return tf.estimator.EstimatorSpec(mode, predictions=rows)
        """
    )
    assert found["fields"].dtype == found["sequence"].dtype == "string"
    assert "(through concat())" in found["fields"].origin
    assert found["u"].dtype == found["v"].dtype == "float32"


def test_params_handed_to_a_step_function_the_builder_picks_are_read_there() -> None:
    """A closure calls ``step_fn(loss, params)``, a name its builder binds to a module function
    when the caller gives none; that function reads keys through a helper whose key is its own
    parameter (``_setting(params, "learning_rate")``): each read is keyed by the literal the call
    gives (or a helper's parameter given one in turn), and its value guessed where the helper's
    result is used - a rate by its name, a choice the code checks against None left absent (its
    own default), a size by its keyword."""
    tree = ast.parse(
        textwrap.dedent(
            """
            def _setting(params, key):
                if not isinstance(params, dict):
                    params = vars(params)
                return params.get(key, None)

            def _solver(choice, rate):
                if choice is None:
                    return tf.compat.v1.train.GradientDescentOptimizer(rate)
                return choice(rate)

            def _plain_step(loss, params):
                rate = _setting(params, "learning_rate")
                solver = _solver(_setting(params, "solver"), rate)
                return solver.minimize(loss)

            def _layer_setting(params, name):
                return _setting(params, name)

            def make_model_fn(network, step_fn=None):
                if step_fn is None:
                    step_fn = _plain_step

                def model_fn(features, labels, mode, params):
                    hidden = tf.compat.v1.layers.dense(
                        features["x"], units=_layer_setting(params, "width"))
                    loss = tf.reduce_mean(network(hidden))
                    return step_fn(loss, params)

                return model_fn
            """
        )
    )
    closure = next(
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "model_fn"
    )
    guessed = {guess.key: guess.value for guess in infer_params(tree, closure)}
    assert guessed == {"learning_rate": 0.01, "solver": None, "width": 4}


def test_a_helpers_check_against_none_decides_only_what_nothing_else_does() -> None:
    """A value handed to a helper that goes on without it (``if cells is None: cells = 2``) is
    left absent where nothing says what it is; one the helper refuses to go without (``raise``
    under the test) keeps its guess, as does one whose name says what it is."""
    tree, function = parsed(
        """
        def _towers(x, cells, depth, rate):
            if cells is None:
                cells = 2
            if depth is None:
                raise ValueError("depth is required")
            if rate is None:
                rate = 0.1
            return stack(x, cells, depth, rate)

        def model_fn(features, labels, mode, params):
            net = _towers(features["x"], params["cells"], params["depth"], params["rate"])
            return spec
        """
    )
    guessed = {guess.key: guess.value for guess in infer_params(tree, function)}
    assert guessed == {"cells": None, "depth": 4, "rate": 0.01}
