"""A question-answering service on the legacy enhanced wrapper."""

from tidyllm.dspy_enhanced import CacheConfig, DSPyEnhancedWrapper, RetryConfig, ValidationConfig

wrapper = DSPyEnhancedWrapper(
    retry_config=RetryConfig(max_retries=3, base_delay=1.0),
    cache_config=CacheConfig(ttl=3600),  # one hour
    validation_config=ValidationConfig(min_length=1, forbidden_keywords=["<script>"]),
)
qa = wrapper.create_module("qa", "question -> answer")


def answer_all(questions):
    """Answer every question, in order; a failed item comes back as its exception."""
    return wrapper.batch_process(qa, [{"question": q} for q in questions], max_workers=4)


if __name__ == "__main__":
    for result in answer_all(["What is DSPy?", "What is a signature?"]):
        print("answer:", result.answer)
    print("success rate:", wrapper.get_metrics()["success_rate"])
