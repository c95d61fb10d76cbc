-- The chatbot script: while `bot_state` is set (JSON: the menu shown, the question pending,
-- the invalid answers and turns so far) the conversation talks to the bot and routing leaves
-- it alone; handing over clears it and the conversation joins the queue.
ALTER TABLE conversations ADD COLUMN bot_state TEXT;
-- The customer's answer to the script's question (an order number, a name), for the agent.
ALTER TABLE conversations ADD COLUMN bot_answer TEXT;
