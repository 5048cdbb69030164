"""Summaries on Bedrock, and the same summarizer offered as an MCP tool."""

from tidyllm.dspy_bedrock_enhanced import BedrockConfig, DSPyBedrockEnhancedWrapper
from tidyllm.dspy_wrapper import DSPyWrapper

bedrock = DSPyBedrockEnhancedWrapper(
    bedrock_config=BedrockConfig(region="us-west-2", default_model="claude-3-haiku"),
)
summarize = bedrock.create_bedrock_module("summarize", "text -> summary")


def mcp_tools():
    """MCP tool definitions (the simple wrapper's MCP helpers have no unified twin)."""
    tools = DSPyWrapper()
    return [tools.as_mcp_tool("summarize", "text -> summary", "Summarize a text")]


if __name__ == "__main__":
    print("summary:", summarize.predict(text="DSPy programs language models.").summary)
