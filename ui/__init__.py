"""The Gradio web UI of Plan Assistant: `ui.app.build_ui`, mounted at / by `assistant.api.create_app`."""
