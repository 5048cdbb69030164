"""A risk-analysis pipeline: DSPy through the gateway, modules from the registry."""

import dspy
from tidyllm.base_module import DynamicDSPyModule, get_signature_class
from tidyllm.dspy_gateway_backend import configure_dspy_with_gateway

configure_dspy_with_gateway("claude-3-sonnet", gateway_uri="http://localhost:5000")

risk = DynamicDSPyModule(get_signature_class("Risk Query"))
summary = dspy.ChainOfThought("insights -> summary")

if __name__ == "__main__":
    insights = risk(risk_query="What drives credit risk this quarter?").insights
    print("insights:", insights)
    print("summary:", summary(insights=insights).summary)
