"""Trains the fraud model (illustrative; the demo never runs it)."""
import xgboost as xgb


def train(features, labels):
    model = xgb.XGBClassifier(n_estimators=50, max_depth=4)
    model.fit(features, labels)
    model.save_model("models/fraud/model.ubj")
