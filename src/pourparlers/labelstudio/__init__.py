"""The Label Studio side of the corpus: the label config generated from the taxonomy
(`config`), the local server (`server`), the SDK connection (`client`), bringing a project to
the state of the repository (`annotate`, with `preannotate`) and back (`pull`), and tables as
Label Studio results (`results`).
"""
