from tensorflow import keras

keras.utils.set_random_seed(2)

model = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.layers.Dense(10, activation="relu"),
    keras.layers.Dense(3, activation="softmax"),
])
model.summary()
keras.utils.plot_model(model, show_shapes=True, show_layer_activations=True)

model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy())
history = model.fit(X_train, y_train, epochs=100)
